#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "agent/EventSink.h"
#include "mamori/v1/event.pb.h"

namespace mamori::agent {

// The software control's findings on their way to the journal, every one with control
// SOFTWARE. Each append waits for fsync, so they are written one per turn of the reactor: a
// burst of findings never keeps a held exec waiting behind more than one of them.
class SoftwareOutbox : public std::enable_shared_from_this<SoftwareOutbox> {
public:
    SoftwareOutbox(boost::asio::any_io_executor reactor, EventSink& sink) : reactor_(std::move(reactor)), sink_(sink) {}

    // On the reactor.
    void report(mamori::v1::EventBody body);
    // Runs f once everything reported before it has been journaled (or failed to be): what
    // records that a finding was reported must not reach the disk before the finding does.
    void afterJournaled(std::function<void()> f);

private:
    struct Item {
        std::optional<mamori::v1::EventBody> body;
        std::function<void()> then;
    };
    void push(Item item);
    void postDrain();

    boost::asio::any_io_executor reactor_;
    EventSink& sink_;
    std::deque<Item> outbox_;
};

}  // namespace mamori::agent
