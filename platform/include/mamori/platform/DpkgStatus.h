#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mamori/platform/InstalledSoftware.h"

namespace mamori::platform {

// dpkg's status database (/var/lib/dpkg/status, deb822 stanzas). Only packages whose files are
// on disk count as installed; a stanza that cannot be read is skipped and counted, never fatal,
// because a half-written database must not stop the inventory.
class DpkgStatus {
public:
    struct Parsed {
        std::vector<SoftwarePackage> installed;
        size_t malformed = 0;  // stanzas without a usable Package, Status or Version
    };
    static Parsed parse(std::string_view text);
};

}  // namespace mamori::platform
