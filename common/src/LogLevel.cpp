#include "mamori/common/Log.h"

namespace mamori {

std::optional<Log::Level> Log::levelNamed(std::string_view name) {
    for (size_t i = 0; i < kLevelNames.size(); ++i)
        if (kLevelNames[i] == name) return static_cast<Level>(i);
    return std::nullopt;
}

}  // namespace mamori
