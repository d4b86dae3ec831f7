#pragma once
#include <string>
#include <vector>

#include "collector/Store.h"

namespace mamori::collector {

// The sections (所属) and tiers the collector knows: a name some terminal is in, some policy was
// pushed to, some enrollment token was made for, some officer answers for. A name outside them
// is taken for a slip of the keyboard, never for an empty section: refused with the nearest
// known name, so a report is not silently empty and a policy does not wait for terminals that
// will never join its group. Names are made known where sections begin (a token, an officer, a
// move, a push with create_section); they are kept among the store's settings, beside the live
// names of terminals and policies.
class KnownSections {
public:
    // The group every terminal without its own policy follows (PolicyResolver::kDefaultGroup):
    // always known.
    static bool isEveryone(const std::string& name);

    explicit KnownSections(Store& store) : store_(store) {}

    bool contains(const std::string& name);
    // Every known name, sorted.
    std::vector<std::string> names();
    // Makes `name` known from now on.
    void declare(const std::string& name);
    // Nothing when `name` is known; else a common::UserError (NotFound) naming the nearest known
    // name and, when they are few, all of them; `remedy_*` ends the message (what to do instead).
    void require(const std::string& name, const std::string& remedy_en = "", const std::string& remedy_ja = "");

private:
    std::vector<std::string> declared();

    Store& store_;
};

}  // namespace mamori::collector
