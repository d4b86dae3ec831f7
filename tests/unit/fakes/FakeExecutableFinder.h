#pragma once
// Executables "found" in the scan paths: whatever the test lists.
#include "mamori/platform/ExecutableFinder.h"

namespace mamori::test {

class FakeExecutableFinder final : public mamori::platform::ExecutableFinder {
public:
    std::vector<mamori::platform::FoundExecutable> find(const std::vector<std::string>& roots, size_t) const override {
        std::vector<mamori::platform::FoundExecutable> out;
        for (const auto& f : found) {
            for (const auto& r : roots) {
                if (f.path.starts_with(r + "/")) out.push_back(f);
            }
        }
        return out;
    }
    std::vector<mamori::platform::FoundExecutable> found;
};

}  // namespace mamori::test
