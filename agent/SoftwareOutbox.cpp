#include "agent/SoftwareOutbox.h"

#include <boost/asio/post.hpp>

#include "mamori/common/Log.h"

namespace mamori::agent {

void SoftwareOutbox::report(mamori::v1::EventBody body) {
    body.set_control(mamori::v1::SOFTWARE);
    push(Item{std::move(body), {}});
}

void SoftwareOutbox::afterJournaled(std::function<void()> f) { push(Item{std::nullopt, std::move(f)}); }

void SoftwareOutbox::push(Item item) {
    outbox_.push_back(std::move(item));
    if (outbox_.size() == 1) postDrain();
}

void SoftwareOutbox::postDrain() {
    std::weak_ptr<SoftwareOutbox> weak = weak_from_this();
    boost::asio::post(reactor_, [weak] {
        auto self = weak.lock();
        if (!self || self->outbox_.empty()) return;
        Item item = std::move(self->outbox_.front());
        self->outbox_.pop_front();
        if (item.body) {
            try {
                self->sink_.emit(std::move(*item.body));
            } catch (const std::exception& e) {
                Log::error(std::string("software event not journaled: ") + e.what());
            }
        } else if (item.then) {
            item.then();
        }
        if (!self->outbox_.empty()) self->postDrain();
    });
}

}  // namespace mamori::agent
