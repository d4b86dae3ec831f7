#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <deque>
#include <memory>

#include "agent/EventSink.h"
#include "mamori/v1/event.pb.h"

namespace mamori::agent {

// The software control's findings on their way to the journal. Each append waits for fsync, so
// they are written one per turn of the reactor: a burst of findings never keeps a held exec
// waiting behind more than one of them.
class SoftwareOutbox : public std::enable_shared_from_this<SoftwareOutbox> {
public:
    SoftwareOutbox(boost::asio::any_io_executor reactor, EventSink& sink) : reactor_(std::move(reactor)), sink_(sink) {}

    // On the reactor.
    void report(mamori::v1::EventBody body);

private:
    void postDrain();

    boost::asio::any_io_executor reactor_;
    EventSink& sink_;
    std::deque<mamori::v1::EventBody> outbox_;
};

}  // namespace mamori::agent
