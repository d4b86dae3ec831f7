#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include "mamori/platform/ExecutableFile.h"

namespace mamori::platform {

// A process that has started a program from a filesystem the exec watch cannot mark: a memfd
// (memfd_create + fexecve), or a filesystem mounted in a mount namespace the agent does not
// share. Nothing held that start, so the verdict comes after it, and reaches the process through
// a pidfd: never another process that later gets the same number.
class StartedProgram {
public:
    // The program process `pid` runs now, when it is on a filesystem for which inTable(device,
    // mount) is false (see FilesystemMarks::inTable; asked first with mount 0, then with both);
    // nullptr when it is on a known one (the common case, answered with one system call), or
    // the process is gone. The path is the process's own view, in a namespace the caller does
    // not share: it names, it proves nothing.
    static std::unique_ptr<StartedProgram> outsideWatch(uint32_t pid,
                                                        const std::function<bool(uint64_t device, uint32_t mount)>& inTable);
    ~StartedProgram();
    StartedProgram(const StartedProgram&) = delete;
    StartedProgram& operator=(const StartedProgram&) = delete;

    // The program's file. Not readable (read() fails at once) when a FUSE or network server
    // would serve it, as in the watch: a server that never answers must not hold the agent.
    std::shared_ptr<const ExecutableFile> file() const { return file_; }
    // Ends the process (SIGKILL). false when it had already ended.
    bool stop();

private:
    StartedProgram(int pidfd, std::shared_ptr<const ExecutableFile> file) : pidfd_(pidfd), file_(std::move(file)) {}

    int pidfd_;
    std::shared_ptr<const ExecutableFile> file_;
};

}  // namespace mamori::platform
