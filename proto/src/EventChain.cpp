#include "mamori/proto/EventChain.h"

#include "mamori/proto/Sha256.h"

namespace mamori::proto {

std::string EventChain::linkHash(std::string_view prev_hash, std::string_view body) {
    // One context per thread, reset by finish(): a collector checks a link per event it stores.
    thread_local Sha256 h;
    return h.update(prev_hash).update(body).finish();
}

mamori::v1::Event EventChain::append(mamori::v1::EventBody body) {
    body.set_seq(head_.seq + 1);
    mamori::v1::Event ev;
    body.SerializeToString(ev.mutable_body());
    ev.set_prev_hash(head_.hash);
    ev.set_hash(linkHash(head_.hash, ev.body()));
    ev.set_signature(key_.sign(ev.hash()));
    head_.seq = body.seq();
    head_.hash = ev.hash();
    return ev;
}

}  // namespace mamori::proto
