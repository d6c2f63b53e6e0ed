// The one copy of the map tests' "clicks" state tables (map_state_test_util.hpp).
#include "tests/snapshot/map_state_test_util.hpp"

SLUICE_CLICKS_TABLES()
