#pragma once
#include <string>

#include "collector/AdminStore.h"
#include "collector/KnownSections.h"
#include "collector/Store.h"

namespace mamori::collector {

// What a user of the admin endpoint names, checked against what they may reach: a section must
// be known (and a section manager's own), a terminal enrolled. A wrong name is refused with the
// nearest one the user may see, never answered with an empty listing.
class AdminScope {
public:
    explicit AdminScope(Store& store) : store_(store), sections_(store) {}

    // Nothing for an empty name or one the user may name; else a common::UserError: a section
    // manager's section must be theirs (Forbidden), anyone else's known (NotFound).
    void requireSection(const std::string& name, const AdminUser& user);
    // The enrolled terminal `id`; else a common::UserError (NotFound) with the nearest id the
    // user may see.
    TerminalRecord requireTerminal(const std::string& id, const AdminUser& user);
    KnownSections& sections() { return sections_; }

private:
    Store& store_;
    KnownSections sections_;
};

}  // namespace mamori::collector
