// sluice-option-table: writes the option table of README.md from the option
// registry (actors/config/option_registry.hpp, apps/cli/app_options.hpp).
//
//   sluice-option-table README.md           rewrite the table in place
//   sluice-option-table --check README.md   exit 1 when it is out of date
//
// scripts/option-table builds and runs it; tests/apps/option_table_test.cpp
// fails when the README and the registry differ.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "apps/cli/app_options.hpp"

int main(int argc, char** argv) {
  bool check = argc == 3 && std::string{argv[1]} == "--check";
  if (argc != 2 && !check) {
    std::cerr << "usage: sluice-option-table [--check] README.md\n";
    return 2;
  }
  std::string path = argv[argc - 1];
  std::ifstream in{path};
  if (!in) {
    std::cerr << "sluice-option-table: cannot read " << path << '\n';
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto updated = sluice::apps::with_option_table(text.str(), sluice::apps::readme_option_table());
  if (!updated) {
    std::cerr << "sluice-option-table: " << path
              << ": no <!-- option-table:begin --> ... <!-- option-table:end --> markers\n";
    return 2;
  }
  if (*updated == text.str())
    return 0;
  if (check) {
    std::cerr << "sluice-option-table: the option table of " << path
              << " is out of date: run scripts/option-table\n";
    return 1;
  }
  std::ofstream out{path, std::ios::trunc};
  out << *updated;
  if (!out) {
    std::cerr << "sluice-option-table: cannot write " << path << '\n';
    return 2;
  }
  std::cerr << "sluice-option-table: updated " << path << '\n';
  return 0;
}
