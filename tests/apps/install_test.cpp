// Packaging: `meson install --destdir` of this build, then programs outside
// the tree compile against the installed headers and libsluice through
// sluice.pc (g++ with pkg-config; CMake's pkg_check_modules when cmake is
// installed) and run a job on their own actor system.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/apps/process.hpp"
#include "tests/test_paths.hpp"

using namespace std::chrono_literals;

namespace install_test {

using namespace sluice::test;

namespace {

/// Single-quotes `s` for /bin/sh.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  return out + "'";
}

/// The first file named `name` under `root`, or an empty path.
fs::path find_under(const fs::path& root, const std::string& name) {
  for (auto& entry : fs::recursive_directory_iterator(root))
    if (entry.path().filename() == name)
      return entry.path();
  return {};
}

/// An installed copy of this build under a temp dir.
struct installed {
  temp_dir dir;
  fs::path root = dir / "root";
  fs::path pc_dir;
  fs::path include_dir;
  fs::path lib_dir;
  /// Makes pkg-config find the copy (sluice.pc names the real prefix, e.g.
  /// /usr/local: `--define-variable` moves it into the temp dir).
  std::string pkg_env;
  std::string pkg_args;

  installed() {
    auto r = shell("meson install -C " + quote(sluice::test::build_dir())
                     + " --no-rebuild --quiet --destdir " + quote(root.string()),
                   dir.path(), 120s);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "meson install failed:\n" << r.out << r.err);
    auto pc = find_under(root, "sluice.pc");
    BOOST_REQUIRE_MESSAGE(!pc.empty(), "no sluice.pc installed");
    pc_dir = pc.parent_path();
    auto defaults = find_under(root, "sluice_defaults.hpp");
    BOOST_REQUIRE_MESSAGE(!defaults.empty(), "no sluice_defaults.hpp installed");
    include_dir = defaults.parent_path();
    auto lib = find_under(root, "libsluice.so");
    BOOST_REQUIRE_MESSAGE(!lib.empty(), "no libsluice.so installed");
    lib_dir = lib.parent_path();
    pkg_env = "PKG_CONFIG_PATH=" + quote(pc_dir.string());
    auto prefix = shell(pkg_env + " pkg-config --variable=prefix sluice", dir.path());
    BOOST_REQUIRE_MESSAGE(prefix.exit_code == 0, prefix.err);
    auto real_prefix = prefix.out.substr(0, prefix.out.find('\n'));
    pkg_args = "--define-variable=prefix=" + root.string() + real_prefix;
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(install)

BOOST_AUTO_TEST_CASE(another_project_builds_and_runs_against_the_installed_sluice) {
  installed inst;
  // Headers keep the include paths users write, under <includedir>/sluice.
  BOOST_CHECK_EQUAL(inst.include_dir.filename().string(), "sluice");
  std::vector<std::string> missing;
  for (auto dir : {"actors", "operators", "snapshot"})
    for (auto& entry : fs::recursive_directory_iterator(fs::path{sluice::test::source_dir()} / dir)) {
      auto rel = fs::relative(entry.path(), fs::path{sluice::test::source_dir()});
      if (entry.path().extension() == ".hpp" && !fs::exists(inst.include_dir / rel))
        missing.push_back(rel.string());
    }
  BOOST_CHECK_MESSAGE(missing.empty(),
                      "not installed (new header? run meson setup --reconfigure): "
                        << (missing.empty() ? std::string{} : missing.front()) << " and "
                        << (missing.empty() ? 0 : missing.size() - 1) << " more");
  BOOST_CHECK(fs::exists(inst.include_dir / "snapshot.capnp.h"));
  BOOST_CHECK(fs::exists(inst.include_dir / "snapshot" / "schema" / "snapshot.capnp"));

  auto flags = shell(inst.pkg_env + " pkg-config " + quote(inst.pkg_args) + " --cflags --libs sluice",
                     inst.dir.path());
  BOOST_REQUIRE_MESSAGE(flags.exit_code == 0, flags.err);
  BOOST_CHECK_MESSAGE(flags.out.find("-I" + inst.include_dir.string()) != std::string::npos,
                      flags.out);
  for (auto lib : {"-lsluice", "-lcaf_core", "-lcapnp", "-lkj", "-llmdb"})
    BOOST_CHECK_MESSAGE(flags.out.find(lib) != std::string::npos, flags.out << " lacks " << lib);

  // The consumer's source is copied out of the tree: only the installed
  // headers can satisfy its includes.
  auto src = inst.dir / "consumer";
  fs::create_directories(src);
  for (auto name : {"main.cpp", "CMakeLists.txt"})
    fs::copy_file(fs::path{sluice::test::source_dir()} / "tests/apps/consumer" / name, src / name);
  auto run_env = std::vector<std::string>{"LD_LIBRARY_PATH=" + inst.lib_dir.string()};
  auto expected = "sum=1001000 parallelism=2 schema-version=1\n";

  // cmake (if installed) configures and builds while g++ compiles.
  std::optional<process> cmake_build;
  bool have_cmake = shell("command -v cmake", inst.dir.path()).exit_code == 0;
  if (have_cmake)
    cmake_build.emplace(
      std::vector<std::string>{
        "/bin/sh", "-c",
        inst.pkg_env + " cmake -S " + quote(src.string()) + " -B "
          + quote((inst.dir / "cmake-build").string())
          + " -DCMAKE_BUILD_TYPE=Release -DPKG_CONFIG_ARGN=" + quote(inst.pkg_args)
          + " && cmake --build "
          + quote((inst.dir / "cmake-build").string())},
      inst.dir.path());
  else
    BOOST_TEST_MESSAGE("cmake not installed: CMake consumer skipped");

  auto exe = (inst.dir / "consumer-gxx").string();
  auto compile = shell("g++ -std=c++20 -O1 -o " + quote(exe) + " " + quote((src / "main.cpp").string())
                         + " $(" + inst.pkg_env + " pkg-config " + quote(inst.pkg_args)
                         + " --cflags --libs sluice)",
                       inst.dir.path(), 120s);
  BOOST_REQUIRE_MESSAGE(compile.exit_code == 0, "g++ failed:\n" << compile.out << compile.err);
  // It links the installed library, not the one in the build tree.
  auto ldd = run({"/usr/bin/ldd", exe}, inst.dir.path(), 30s, {}, run_env);
  BOOST_CHECK_MESSAGE(ldd.out.find((inst.lib_dir / "libsluice.so").string())
                        != std::string::npos,
                      ldd.out);
  auto ran = run({exe, "--pipeline.parallelism=2"}, inst.dir.path(), 30s, {}, run_env);
  BOOST_CHECK_EQUAL(ran.exit_code, 0);
  BOOST_CHECK_EQUAL(ran.out, expected);
  // sluice's options in the host's config are validated.
  auto bad = run({exe, "--pipeline.parallelism=0"}, inst.dir.path(), 30s, {}, run_env);
  BOOST_CHECK_EQUAL(bad.exit_code, 2);
  BOOST_CHECK_MESSAGE(bad.err.find("pipeline.parallelism") != std::string::npos, bad.err);

  if (cmake_build) {
    auto built = cmake_build->wait(120s);
    BOOST_REQUIRE_MESSAGE(built.exit_code == 0, "cmake failed:\n" << built.out << built.err);
    auto cmake_ran = run({(inst.dir / "cmake-build" / "consumer").string(),
                          "--pipeline.parallelism=2"},
                         inst.dir.path(), 30s, {}, run_env);
    BOOST_CHECK_EQUAL(cmake_ran.exit_code, 0);
    BOOST_CHECK_EQUAL(cmake_ran.out, expected);
  }
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace install_test
