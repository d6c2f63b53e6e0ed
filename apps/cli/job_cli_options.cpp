#include "apps/cli/job_cli_options.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>

namespace sluice::apps {

namespace {

uint16_t parse_port(const std::string& s) {
  auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), digit)
      || std::stoul(s) == 0 || std::stoul(s) > 65535)
    throw usage_error("'" + s + "' is not a port (1 to 65535)");
  return static_cast<uint16_t>(std::stoul(s));
}

std::chrono::milliseconds parse_duration(const std::string& s) {
  auto digits = s.find_first_not_of("0123456789");
  auto unit = digits == std::string::npos ? std::string{} : s.substr(digits);
  static const std::map<std::string, long long> ms_per
    = {{"ms", 1}, {"s", 1000}, {"min", 60'000}, {"h", 3'600'000}};
  auto u = ms_per.find(unit);
  if (digits == 0 || digits > 9 || u == ms_per.end() || std::stoll(s.substr(0, digits)) == 0)
    throw usage_error("--timeout takes a positive duration such as 500ms, 30s, 10min or "
                      "1h, not '" + s + "'");
  return std::chrono::milliseconds{std::stoll(s.substr(0, digits)) * u->second};
}

void set_endpoint(job_cli& c, const std::string& name, const std::string& value) {
  if (name == "rest.address") {
    if (value.empty())
      throw usage_error("--rest.address needs an address");
    c.host = value;
  } else if (name == "rest.port") {
    c.port = parse_port(value);
  } else { // jobmanager: HOST:PORT, IPv6 as [::1]:PORT
    auto colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0)
      throw usage_error("-m takes HOST:PORT, not '" + value + "'");
    auto host = value.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    c.host = host;
    c.port = parse_port(value.substr(colon + 1));
  }
}

} // namespace

job_cli parse_job_cli(const std::vector<std::string>& args, std::vector<option_spec> specs) {
  specs.insert(specs.end(), {{"rest.address", 0, true},
                             {"rest.port", 0, true},
                             {"jobmanager", 'm', true},
                             {"timeout", 0, true},
                             {"help", 'h', false}});
  job_cli c;
  for (size_t i = 0; i < args.size(); ++i) {
    auto& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      c.positional.push_back(a);
      continue;
    }
    const option_spec* spec = nullptr;
    std::optional<std::string> value;
    if (a[1] == '-') {
      auto eq = a.find('=');
      auto name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      for (auto& s : specs)
        if (s.name == name)
          spec = &s;
      if (eq != std::string::npos)
        value = a.substr(eq + 1);
    } else {
      for (auto& s : specs)
        if (s.short_name == a[1])
          spec = &s;
      if (a.size() > 2)
        value = a.substr(a[2] == '=' ? 3 : 2);
    }
    if (spec == nullptr)
      throw usage_error("unknown option '" + a + "'");
    if (!spec->takes_value && value)
      throw usage_error("option '" + a + "' takes no value");
    if (spec->takes_value && !value) {
      if (i + 1 == args.size())
        throw usage_error("option '" + a + "' needs a value");
      value = args[++i];
    }
    auto& name = spec->name;
    if (name == "help")
      c.help = true;
    else if (name == "rest.address" || name == "rest.port" || name == "jobmanager")
      set_endpoint(c, name, *value);
    else if (name == "timeout")
      c.timeout = parse_duration(*value);
    else
      c.options[name] = value.value_or("");
  }
  return c;
}

std::string job_id(const std::string& s) {
  auto hex = [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) != 0; };
  if (s.size() != 32 || !std::all_of(s.begin(), s.end(), hex))
    throw usage_error("'" + s + "' is not a job id (32 hex digits, as `sluice list` shows them)");
  std::string id = s;
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return id;
}

std::string target_dir(const std::string& dir) {
  if (dir.empty())
    throw usage_error("the savepoint directory must not be empty");
  if (dir.find("://") != std::string::npos)
    return dir;
  return std::filesystem::absolute(dir).lexically_normal().string();
}

} // namespace sluice::apps
