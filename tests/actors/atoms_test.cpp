// Each atom of sluice's actor interfaces has one meaning: no two atoms share
// a value (a handler for one would swallow the other's messages), and the
// ones that used to serve two purposes are split.
#include "actors/contract/atoms.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <type_traits>
#include <vector>

using namespace sluice;

namespace atoms_test {

namespace {

template <class... Atoms>
std::vector<caf::atom_value> values_of() {
  return {Atoms::value...};
}

} // namespace

BOOST_AUTO_TEST_SUITE(atoms)

BOOST_AUTO_TEST_CASE(every_atom_has_its_own_value) {
  auto all = values_of<deploy_atom, run_atom, flush_atom, timer_atom, pump_atom, room_atom,
                       resume_atom, end_of_stream_atom, status_atom, subtasks_atom, cancel_atom,
                       fail_atom, tick_atom, shutdown_atom, suspend_atom, redeploy_atom,
                       heartbeat_atom, heartbeat_round_atom, align_timeout_atom, savepoint_atom,
                       checkpoint_atom>();
  std::sort(all.begin(), all.end());
  auto dup = std::adjacent_find(all.begin(), all.end());
  BOOST_CHECK_MESSAGE(dup == all.end(),
                      "two atoms share the value " << (dup == all.end() ? std::string{}
                                                                        : to_string(*dup)));
}

// The inlet's "room again" is not the coordinator's "resume checkpointing",
// and the job master's heartbeat round is not the heartbeat it sends.
BOOST_AUTO_TEST_CASE(formerly_shared_atoms_are_split) {
  BOOST_CHECK(!(std::is_same_v<room_atom, resume_atom>));
  BOOST_CHECK(!(std::is_same_v<heartbeat_round_atom, heartbeat_atom>));
  BOOST_CHECK(room_atom::value != resume_atom::value);
  BOOST_CHECK(heartbeat_round_atom::value != heartbeat_atom::value);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace atoms_test
