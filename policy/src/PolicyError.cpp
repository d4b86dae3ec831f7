#include "mamori/policy/PolicyError.h"

namespace mamori::policy {

std::string PolicyError::format() const {
    std::string out = file.empty() ? std::string("<policy>") : file;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) out += ':' + std::to_string(column);
    }
    out += ": error: ";
    out += message;
    if (!message_ja.empty()) {
        out += "\n  ";
        out += message_ja;
    }
    return out;
}

}  // namespace mamori::policy
