#include "apps/cli/admin_commands.hpp"

#include "apps/cli/checkpoint_listing.hpp"
#include "apps/cli/savepoint_disposal.hpp"
#include "apps/cli/state_inspector.hpp"
#include "snapshot/checkpoint_metadata.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>
#include <optional>

namespace sluice::apps {

const char* const admin_usage
  = "offline tools (no running job):\n"
    "  sluice checkpoints DIR                  retained checkpoints and savepoints under DIR\n"
    "                                          (checkpointing.dir, a job or savepoint dir)\n"
    "  sluice inspect PATH [--dump UID/STATE]  operators, states, keys and files of a\n"
    "                                          checkpoint or savepoint (dir or _metadata);\n"
    "                                          --dump prints one state as JSON lines\n"
    "  sluice savepoint --dispose PATH         delete a savepoint and its files\n";

namespace {

/// A verb's arguments after the verb: positionals and `--name VALUE` /
/// `--name=VALUE` options from `valued`; `--help`/`-h` sets help.
struct parsed_args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;
  bool help = false;
  std::string problem;

  std::optional<std::string> option(const std::string& name) const {
    for (auto& [n, v] : options)
      if (n == name)
        return v;
    return std::nullopt;
  }
};

parsed_args parse(const std::vector<std::string>& args, const std::vector<std::string>& valued) {
  parsed_args p;
  for (size_t i = 1; i < args.size(); ++i) {
    auto& a = args[i];
    if (a == "--help" || a == "-h") {
      p.help = true;
    } else if (a.rfind("--", 0) == 0) {
      auto eq = a.find('=');
      auto name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (std::find(valued.begin(), valued.end(), name) == valued.end()) {
        p.problem = "unknown option '" + a + "'";
      } else if (eq != std::string::npos) {
        p.options.emplace_back(name, a.substr(eq + 1));
      } else if (i + 1 < args.size()) {
        p.options.emplace_back(name, args[++i]);
      } else {
        p.problem = "option '" + a + "' needs a value";
      }
    } else {
      p.positional.push_back(a);
    }
  }
  return p;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

int usage_error(const std::string& verb, const std::string& why, std::ostream& err) {
  err << "sluice: " << verb << ": " << why << '\n' << admin_usage;
  return 2;
}

int list_checkpoints(const parsed_args& p, std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 1)
    return usage_error("checkpoints", "needs exactly one DIR", err);
  auto scan = scan_checkpoints(p.positional[0]);
  if (!scan.found.empty() || scan.problems.empty())
    out << format_checkpoint_table(scan.found, p.positional[0]);
  for (auto& problem : scan.problems)
    err << "sluice: checkpoints: " << problem << '\n';
  return scan.problems.empty() ? 0 : 1;
}

int inspect(const parsed_args& p, std::ostream& out, std::ostream&) {
  if (p.positional.size() != 1)
    throw std::invalid_argument("needs exactly one PATH");
  auto dump = p.option("dump");
  if (!dump) {
    out << format_inspection(inspect_checkpoint(p.positional[0]));
    return 0;
  }
  if (dump->find('/') == std::string::npos || dump->front() == '/' || dump->back() == '/')
    throw std::invalid_argument("--dump takes UID/STATE (an operator uid and one of its "
                                "states, as `sluice inspect PATH` lists them), not '"
                                + *dump + "'");
  dump_state(p.positional[0], *dump, out);
  return 0;
}

int savepoint(const parsed_args& p, std::ostream& out, std::ostream& err) {
  auto target = p.option("dispose");
  if (!target)
    return usage_error("savepoint",
                       "--dispose PATH is the offline form; sluice savepoint JOB [DIR] "
                       "triggers one on a running job",
                       err);
  if (!p.positional.empty())
    return usage_error("savepoint", "unexpected argument '" + p.positional[0] + "'", err);
  auto where = locate_checkpoint(*target);
  auto md = read_metadata_file(where.metadata_file);
  if (auto why = disposal_refusal(*target, md)) {
    err << "sluice: savepoint: " << *why << '\n';
    return 1;
  }
  auto result = dispose_savepoint(plan_disposal(where, md));
  for (auto& failure : result.failures)
    err << "sluice: savepoint: " << one_line(failure) << '\n';
  if (!result.failures.empty())
    return 1;
  out << "disposed savepoint " << *target << '\n';
  if (!result.dir_removed && !result.left.empty()) {
    out << "kept " << where.dir.string() << ": it holds files the savepoint does not name:";
    for (auto& f : result.left)
      out << ' ' << f;
    out << '\n';
  }
  return 0;
}

} // namespace

bool is_admin_command(std::string_view verb) {
  return verb == "checkpoints" || verb == "inspect" || verb == "savepoint";
}

int run_admin_command(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err) {
  const auto& verb = args.at(0);
  auto p = parse(args, verb == "inspect"     ? std::vector<std::string>{"dump"}
                       : verb == "savepoint" ? std::vector<std::string>{"dispose"}
                                             : std::vector<std::string>{});
  if (p.help) {
    out << admin_usage;
    return 0;
  }
  if (!p.problem.empty())
    return usage_error(verb, p.problem, err);
  try {
    if (verb == "checkpoints")
      return list_checkpoints(p, out, err);
    if (verb == "inspect")
      return inspect(p, out, err);
    return savepoint(p, out, err);
  } catch (const std::invalid_argument& e) {
    return usage_error(verb, e.what(), err);
  } catch (const std::exception& e) {
    out.flush();
    err << "sluice: " << verb << ": " << one_line(e.what()) << '\n';
    return 1;
  }
}

} // namespace sluice::apps
