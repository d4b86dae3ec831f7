#pragma once
// A wall alarm the test fires by hand, and that remembers when it was asked to wake.
#include <optional>

#include "mamori/platform/WallAlarm.h"

namespace mamori::test {

class ManualWallAlarm final : public mamori::platform::WallAlarm {
public:
    void at(std::chrono::system_clock::time_point when, Handler handler) override {
        when_ = when;
        handler_ = std::move(handler);
    }
    void cancel() override {
        when_.reset();
        handler_ = nullptr;
    }

    const std::optional<std::chrono::system_clock::time_point>& when() const { return when_; }
    bool armed() const { return handler_ != nullptr; }
    void fire(Wake wake = Wake::Due) {
        auto h = std::exchange(handler_, nullptr);
        when_.reset();
        if (h) h(wake);
    }

private:
    std::optional<std::chrono::system_clock::time_point> when_;
    Handler handler_;
};

}  // namespace mamori::test
