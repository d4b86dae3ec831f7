#pragma once
#include <string>
#include <vector>

#include "collector/Store.h"

namespace mamori::collector {

// The sections (所属) and tiers the collector knows: a name some terminal is in, some policy was
// pushed to, some enrollment token was made for, some section manager answers for. A name outside them
// is taken for a slip of the keyboard, never for an empty section: refused with the nearest
// known name, so a report is not silently empty and a policy does not wait for terminals that
// will never join its group. A section begins with what names it first (an enrollment token, an
// section manager, a move, a push with create_section), so what the store holds is all there is to know
// (TerminalStore::knownGroups), and collectors sharing a database always agree.
class KnownSections {
public:
    // The group every terminal without its own policy follows (PolicyResolver::kDefaultGroup):
    // always known.
    static bool isEveryone(const std::string& name);

    explicit KnownSections(Store& store) : store_(store) {}

    bool contains(const std::string& name);
    // Every known name, sorted.
    std::vector<std::string> names();
    // Nothing when `name` is known; else a common::UserError (NotFound) naming the nearest known
    // name and, when they are few, all of them; `remedy_*` ends the message (what to do instead).
    void require(const std::string& name, const std::string& remedy_en = "", const std::string& remedy_ja = "");

private:
    Store& store_;
};

}  // namespace mamori::collector
