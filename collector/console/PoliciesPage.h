#pragma once
#include <string>

#include "collector/console/ConsoleContext.h"

namespace mamori::collector {

// ポリシー: per section, the version in force and on how many terminals; a profile uploaded
// (pasted, or read from a file by the page's script) is validated on the collector as mamorictl
// validates it, without reading any file on the server; its errors are shown at their line and
// column in Japanese and English before anything is pushed; a valid one is shown as what it
// changes against the version in force, and pushed from there.
class PoliciesPage {
public:
    static std::string render(const ConsoleContext& ctx);
    // POST /console/policies/check: the errors, or the summary's difference and a push form.
    static std::string check(const ConsoleContext& ctx);
    // POST /console/policies/push: the version made.
    static std::string push(const ConsoleContext& ctx);
};

}  // namespace mamori::collector
