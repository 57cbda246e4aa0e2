#pragma once
// Turns the collector's stored verdict changes into alerts (console.db) and
// hands each to the channels that want it. Reads only the Store interface,
// so it works the same over sqlite and PostgreSQL and whichever collector
// evaluated the verdict.
#include <cstdint>

#include "server/console/alert_db.h"
#include "server/store/store.h"

namespace telltale::server::console {

// Every verdict change saved since the last scan becomes an alert, except a
// device's first verdict when it is clean and a change between two clean
// verdicts (nothing to look at). Returns how many alerts were raised.
size_t sync_alerts(AlertDb& alerts, Store& store, int64_t now_ms);

}  // namespace telltale::server::console
