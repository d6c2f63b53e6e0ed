// The one copy of the window operator's common tables (common_window_tables.hpp).
#include "operators/windows/common_window_tables.hpp"

SLUICE_COMMON_WINDOW_TABLES()
