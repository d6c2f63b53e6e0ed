// The one copy of the common timer tables (common_timer_tables.hpp).
#include "operators/common_timer_tables.hpp"

SLUICE_COMMON_TIMER_TABLES()
