#include "agent/SoftwareOutbox.h"

#include <boost/asio/post.hpp>

#include "mamori/common/Log.h"

namespace mamori::agent {

void SoftwareOutbox::report(mamori::v1::EventBody body) {
    body.set_control(mamori::v1::SOFTWARE);
    outbox_.push_back(std::move(body));
    if (outbox_.size() == 1) postDrain();
}

void SoftwareOutbox::postDrain() {
    std::weak_ptr<SoftwareOutbox> weak = weak_from_this();
    boost::asio::post(reactor_, [weak] {
        auto self = weak.lock();
        if (!self || self->outbox_.empty()) return;
        try {
            self->sink_.emit(std::move(self->outbox_.front()));
        } catch (const std::exception& e) {
            Log::error(std::string("software event not journaled: ") + e.what());
        }
        self->outbox_.pop_front();
        if (!self->outbox_.empty()) self->postDrain();
    });
}

}  // namespace mamori::agent
