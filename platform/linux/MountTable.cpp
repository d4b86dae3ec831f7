#include "MountTable.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <unordered_set>

namespace mamori::platform {

namespace {

std::optional<uint32_t> number(std::string_view s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(v);
}

// The kernel writes a space, tab, newline or backslash in a name as \ooo; anything else after a
// backslash is not its writing.
std::optional<std::string> unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        if (s.size() - i < 4) return std::nullopt;
        unsigned v = 0;
        for (size_t k = 1; k <= 3; ++k) {
            const char c = s[i + k];
            if (c < '0' || c > '7') return std::nullopt;
            v = v * 8 + static_cast<unsigned>(c - '0');
        }
        if (v > 0xff) return std::nullopt;
        out += static_cast<char>(v);
        i += 3;
    }
    return out;
}

std::vector<std::string_view> split(std::string_view line, char sep) {
    std::vector<std::string_view> out;
    size_t at = 0;
    for (;;) {
        const size_t next = line.find(sep, at);
        out.push_back(line.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at));
        if (next == std::string_view::npos) return out;
        at = next + 1;
    }
}

// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
std::optional<MountEntry> parseLine(std::string_view line) {
    const auto f = split(line, ' ');
    // Six fields, any number of optional ones, the separator, then type, source and options.
    auto dash = std::find(f.begin() + std::min<size_t>(f.size(), 6), f.end(), std::string_view("-"));
    if (f.size() < 10 || dash == f.end() || f.end() - dash != 4) return std::nullopt;
    MountEntry e;
    const auto id = number(f[0]), parent = number(f[1]);
    const auto colon = f[2].find(':');
    if (!id || !parent || colon == std::string_view::npos) return std::nullopt;
    const auto major = number(f[2].substr(0, colon)), minor = number(f[2].substr(colon + 1));
    auto point = unescape(f[4]);
    auto type = unescape(dash[1]);
    if (!major || !minor || !point || !type || point->empty() || point->front() != '/' || type->empty())
        return std::nullopt;
    e.id = *id;
    e.parent = *parent;
    e.device = makedev(*major, *minor);
    e.point = std::move(*point);
    e.type = std::move(*type);
    for (auto opt : split(f[5], ',')) e.noexec = e.noexec || opt == "noexec";
    return e;
}

bool atOrUnder(std::string_view path, std::string_view root) {
    while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
    if (root == "/") return true;
    return path.substr(0, root.size()) == root && (path.size() == root.size() || path[root.size()] == '/');
}

}  // namespace

MountTable MountTable::parse(std::string_view text) {
    MountTable t;
    for (auto line : split(text, '\n')) {
        if (line.empty()) continue;
        if (auto e = parseLine(line)) {
            // Ids are unique in what the kernel writes; a repeated one keeps its first entry.
            if (t.by_id_.emplace(e->id, t.entries_.size()).second) {
                t.entries_.push_back(std::move(*e));
                continue;
            }
        }
        ++t.malformed_;
    }
    return t;
}

MountTable MountTable::current() { return ofProcess(0); }

MountTable MountTable::ofProcess(uint32_t pid) {
    std::string text;
    const std::string path = pid == 0 ? "/proc/self/mountinfo" : "/proc/" + std::to_string(pid) + "/mountinfo";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buf[16 * 1024];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return parse(text);
}

uint32_t MountTable::mountOf(int fd) {
    const int info = ::open(("/proc/self/fdinfo/" + std::to_string(fd)).c_str(), O_RDONLY | O_CLOEXEC);
    if (info < 0) return 0;
    char buf[512];
    const ssize_t n = ::read(info, buf, sizeof buf - 1);
    ::close(info);
    if (n <= 0) return 0;
    const std::string_view text(buf, static_cast<size_t>(n));
    const auto at = text.find("mnt_id:");
    if (at == std::string_view::npos) return 0;
    uint64_t id = 0;
    for (size_t i = at + 7; i < text.size() && text[i] != '\n'; ++i) {
        if (text[i] >= '0' && text[i] <= '9') id = std::min<uint64_t>(id * 10 + static_cast<uint64_t>(text[i] - '0'), UINT32_MAX);
    }
    return static_cast<uint32_t>(id);
}

const MountEntry* MountTable::byId(uint32_t id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &entries_[it->second];
}

bool MountTable::mayHoldPrograms(std::string_view type) {
    // The kernel's own views (processes, devices' attributes, control groups, ...) hold no file a
    // user can write a program into; an automount point is replaced by what it mounts.
    for (std::string_view t : {"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs", "tracefs",
                               "securityfs", "pstore", "bpf", "configfs", "fusectl", "binfmt_misc", "efivarfs",
                               "rpc_pipefs", "nsfs", "selinuxfs", "autofs"}) {
        if (type == t) return false;
    }
    return true;
}

bool MountTable::servedByProcess(std::string_view type) {
    return type == "fuse" || type == "fuseblk" || type.substr(0, 5) == "fuse.";
}

bool MountTable::networked(std::string_view type) {
    for (std::string_view t : {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "afs", "lustre",
                               "coda", "davfs", "ncpfs"}) {
        if (type == t) return true;
    }
    return false;
}

std::vector<const MountEntry*> MountTable::execMountsUnder(const std::vector<std::string>& roots,
                                                           std::vector<const MountEntry*>* unreachable) const {
    // A mount with another mounted on top of it at the same point is out of reach of any path.
    std::unordered_set<uint32_t> covered;
    for (const auto& e : entries_) {
        const MountEntry* under = byId(e.parent);
        if (under && under != &e && under->point == e.point) covered.insert(under->id);
    }
    std::vector<const MountEntry*> out;
    for (const auto& e : entries_) {
        if (e.noexec || !mayHoldPrograms(e.type) || covered.count(e.id)) continue;
        if (std::none_of(roots.begin(), roots.end(), [&](const std::string& r) { return atOrUnder(e.point, r); }))
            continue;
        // Reaching a mount point crosses its parent, the parent's parent and so on. The table is
        // outside input: a loop in it ends after as many steps as it has entries.
        bool stalls = servedByProcess(e.type) || networked(e.type);
        const MountEntry* up = byId(e.parent);
        for (size_t steps = 0; up && up != &e && steps < entries_.size() && !stalls; ++steps) {
            stalls = servedByProcess(up->type);
            up = up->parent == up->id ? nullptr : byId(up->parent);
        }
        if (!stalls) {
            out.push_back(&e);
        } else if (unreachable) {
            unreachable->push_back(&e);
        }
    }
    return out;
}

}  // namespace mamori::platform
