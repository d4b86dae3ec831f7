#pragma once
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "agent/ControlContext.h"
#include "agent/FileDigests.h"
#include "agent/SoftwareOutbox.h"
#include "agent/SoftwareRules.h"
#include "mamori/platform/ExecutableFinder.h"
#include "mamori/platform/InstalledSoftware.h"

namespace mamori::agent {

// Executables no package owns where users can write (the policy's scan paths): found and hashed
// on the work pool, judged on the reactor, each reported once. Lives on the reactor.
class UnmanagedScan : public std::enable_shared_from_this<UnmanagedScan> {
public:
    UnmanagedScan(ControlContext ctx, const mamori::platform::ExecutableFinder& finder,
                  std::shared_ptr<SoftwareOutbox> outbox);

    // Scans roots, skipping what a package of installed owns, and judges by rules. A scan asked
    // for while one runs follows it, with what was asked last.
    void scan(std::vector<std::string> roots, std::shared_ptr<const mamori::platform::InstalledSoftware> installed,
              std::shared_ptr<const SoftwareRules> rules);

private:
    // One unowned executable found in a scan path.
    struct Unmanaged {
        mamori::platform::FoundExecutable file;
        std::optional<FileDigests> digests;
    };

    void start();
    void scanned(const std::vector<Unmanaged>& found);

    ControlContext ctx_;
    const mamori::platform::ExecutableFinder& finder_;
    std::shared_ptr<SoftwareOutbox> outbox_;
    std::vector<std::string> roots_;
    std::shared_ptr<const mamori::platform::InstalledSoftware> installed_;
    std::shared_ptr<const SoftwareRules> rules_;
    bool scanning_ = false, scan_again_ = false;
    std::unordered_set<std::string> reported_;
};

}  // namespace mamori::agent
