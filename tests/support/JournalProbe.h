#pragma once
// A real journal and event sink in a temp directory, and the events they hold, for asserting
// what a control reported.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/EventSink.h"
#include "agent/Journal.h"
#include "mamori/proto/Ed25519Key.h"

namespace mamori::test {

class JournalProbe {
public:
    explicit JournalProbe(const mamori::platform::Clock& clock)
        : dir_(uniqueDir()),
          journal_(dir_ / "journal.db", mamori::proto::Ed25519Key::generate(), 64ull << 20),
          sink_(journal_, clock, "test-terminal") {}
    ~JournalProbe() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    mamori::agent::EventSink& sink() { return sink_; }
    const std::filesystem::path& dir() const { return dir_; }

    std::vector<mamori::v1::EventBody> events() const {
        std::vector<mamori::v1::EventBody> out;
        for (const auto& e : journal_.pending(100000)) {
            mamori::v1::EventBody b;
            b.ParseFromString(e.body());
            out.push_back(std::move(b));
        }
        return out;
    }
    std::vector<mamori::v1::EventBody> events(mamori::v1::EventType type) const {
        std::vector<mamori::v1::EventBody> out;
        for (auto& b : events())
            if (b.type() == type) out.push_back(std::move(b));
        return out;
    }

private:
    static std::filesystem::path uniqueDir() {
        static std::atomic<int> n{0};
        auto d = std::filesystem::temp_directory_path() /
                 ("mamori-probe-" + std::to_string(getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(d);
        return d;
    }

    std::filesystem::path dir_;
    mamori::agent::Journal journal_;
    mamori::agent::EventSink sink_;
};

}  // namespace mamori::test
