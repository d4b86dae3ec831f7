#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mamori/platform/ExecutableFile.h"
#include "mamori/platform/FileIdentity.h"

namespace mamori::platform {

enum class ExecVerdict { Allow, Deny };

// One program about to start (held) or just started (observed).
struct ExecEvent {
    uint64_t id = 0;    // for ProcessWatch::answer
    bool held = false;  // the exec waits for answer()
    uint32_t pid = 0;
    uint32_t ppid = 0;
    uint32_t uid = 0;
    std::shared_ptr<const ExecutableFile> file;
    // Started from a filesystem no mark reaches (a memfd, another mount namespace's mount), told
    // of by the kernel only afterwards. The path is the process's own view: it proves nothing.
    // answer() is still due: Deny ends the process, Allow lets it be.
    bool outside_watch = false;
};

// Program executions on the mounts it is told to watch, and (when holding) the power to refuse
// them. Guarantees, whatever its user does: the watching process and its descendants are never
// held, and every held exec is answered within the deadline.
class ProcessWatch {
public:
    struct Options {
        // Each names the filesystem it is on; every filesystem mounted at or under one, now or
        // later, is watched too.
        std::vector<std::string> mounts;
        bool hold = false;                // false: observe only, no exec ever waits for us
        std::chrono::milliseconds deadline{250};
        ExecVerdict on_deadline = ExecVerdict::Allow;
    };
    using ExecHandler = std::function<void(const ExecEvent&)>;

    virtual ~ProcessWatch() = default;
    // (Re)starts watching with these options; marks already in place stay, so a policy change
    // opens no gap. Handlers run on the reactor. Returns one message per mount that could not
    // be watched (the others are); throws std::runtime_error when the kernel offers no watch.
    virtual std::vector<std::string> start(const Options& options, ExecHandler on_exec, ExecHandler on_deadline) = 0;
    // Stops watching; execs still held are allowed.
    virtual void stop() = 0;
    // The verdict for a held exec, or for one started outside the watch. false when it came too
    // late: the deadline had passed, or the process outside the watch had already ended.
    virtual bool answer(uint64_t id, ExecVerdict verdict) = 0;
    // A file judged allowed with nothing to report: its later execs are allowed by the watch
    // itself, never reaching the handlers. The same programs run all day, and each trip to the
    // reactor and back is time an exec waits. Any change to the file changes its identity.
    virtual void trust(const FileIdentity& file) = 0;
    // The rules changed: every file is judged by the handlers again.
    virtual void forgetTrusted() = 0;
    // What a person needs to recognise a process: its executable path, or its name.
    virtual std::string describeProcess(uint32_t pid) const = 0;
};

// How the watch gets its reader: a thread of its own, since a held exec must be answered within
// the kernel's deadline whatever the agent's reactor is doing. The agent passes one that names
// the thread; without one it is a plain std::thread.
using StartThread = std::function<std::thread(std::function<void()> body)>;

std::unique_ptr<ProcessWatch> fanotifyProcessWatch(boost::asio::any_io_executor reactor, StartThread start_reader = {});

}  // namespace mamori::platform
