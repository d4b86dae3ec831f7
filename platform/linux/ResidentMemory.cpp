#include "mamori/platform/ResidentMemory.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace mamori::platform {

namespace {

struct Mapping {
    uintptr_t start = 0, end = 0;
    bool droppable = false;  // private, read-only, file-backed, and never written
    size_t rss_kb = 0, anonymous_kb = 0;
};

// /proc/self/smaps, read with stdio into one line buffer: no string per line.
std::vector<Mapping> mappings() {
    std::vector<Mapping> out;
    FILE* f = std::fopen("/proc/self/smaps", "re");
    if (!f) return out;
    char line[4096];
    while (std::fgets(line, sizeof line, f)) {
        unsigned long start = 0, end = 0;
        char perms[5] = {};
        int path_at = 0;
        if (std::isxdigit(static_cast<unsigned char>(line[0])) &&
            std::sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) == 3) {
            const char* path = line + path_at;
            Mapping m;
            m.start = start, m.end = end;
            // Code and constants of a file: "r-xp" or "r--p" with a path. A writable mapping, or
            // a read-only one with copied-on-write pages (relocated data made read-only after
            // loading), holds data that exists nowhere else; a deleted file is left as it is.
            m.droppable = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' && path[0] == '/' &&
                          std::strstr(path, "(deleted)") == nullptr;
            out.push_back(m);
        } else if (!out.empty()) {
            size_t kb = 0;
            if (std::sscanf(line, "Rss: %zu kB", &kb) == 1) out.back().rss_kb = kb;
            else if (std::sscanf(line, "Anonymous: %zu kB", &kb) == 1) out.back().anonymous_kb = kb;
        }
    }
    std::fclose(f);
    return out;
}

// The whole resident set, from /proc/self/statm: one short line, where smaps walks every mapping.
size_t residentKb() {
    unsigned long size = 0, resident = 0;
    FILE* f = std::fopen("/proc/self/statm", "re");
    if (!f) return 0;
    const bool ok = std::fscanf(f, "%lu %lu", &size, &resident) == 2;
    std::fclose(f);
    return ok ? resident * (static_cast<size_t>(::sysconf(_SC_PAGESIZE)) / 1024) : 0;
}

}  // namespace

void ResidentMemory::shareOneHeap() { ::mallopt(M_ARENA_MAX, 1); }

ResidentMemory::Released ResidentMemory::release() {
    Released r;
    // Only malloc changes the resident set between the two reads: the difference is what it gave
    // back, from the main heap and every thread's arena alike.
    const size_t before = residentKb();
    ::malloc_trim(0);
    const size_t after = residentKb();
    r.heap_kb = before > after ? before - after : 0;
    for (const auto& m : mappings()) {
        if (!m.droppable || m.anonymous_kb != 0 || m.rss_kb == 0) continue;
        // For a private mapping without written pages, MADV_DONTNEED only removes page table
        // entries: the next access maps the same page-cache page again. The mapping read above is
        // still the one advised here: this program never unloads a library (it calls no dlclose;
        // glibc keeps its NSS modules, OpenSSL its providers), so none takes another's place.
        if (::madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED) == 0) r.mapped_kb += m.rss_kb;
    }
    return r;
}

}  // namespace mamori::platform
