// The one copy of the common state tables (common_state_tables.hpp).
#include "snapshot/common_state_tables.hpp"

SLUICE_COMMON_STATE_TABLES()
