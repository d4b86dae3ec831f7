#pragma once
#include <utmpx.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mamori/platform/Session.h"

namespace mamori::platform {

// Reading one utmp/wtmp/btmp record. These files are written by every login program and,
// for btmp, hold whatever a stranger typed as a user name, so nothing in them is trusted:
// text fields need not be NUL-terminated, valid UTF-8 or printable.
class UtmpRecord {
public:
    // A fixed-size text field as printable UTF-8: it ends at the first NUL or at the field's
    // end; invalid sequences and control characters become '?'.
    static std::string text(const char* field, size_t size);

    static Session toSession(const utmpx& record);

    // A record from raw file bytes (btmp is read directly, from an offset); nullopt when
    // `bytes` is not one whole record or the record is empty.
    static std::optional<utmpx> fromBytes(std::string_view bytes);
};

}  // namespace mamori::platform
