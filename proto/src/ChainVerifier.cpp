#include "mamori/proto/ChainVerifier.h"

#include <limits>

namespace mamori::proto {

const char* ChainVerifier::name(ChainFault f) {
    switch (f) {
        case ChainFault::None: return "ok";
        case ChainFault::Malformed: return "malformed";
        case ChainFault::WrongTerminal: return "wrong-terminal";
        case ChainFault::BrokenChain: return "broken-chain";
        case ChainFault::BadSignature: return "bad-signature";
    }
    return "unknown";
}

const char* ChainVerifier::name(Continuation c) {
    switch (c) {
        case Continuation::Next: return "next";
        case Continuation::Replay: return "replay";
        case Continuation::Overlap: return "overlap";
        case Continuation::Gap: return "gap";
        case Continuation::Fork: return "fork";
    }
    return "unknown";
}

BatchCheck ChainVerifier::check(const google::protobuf::RepeatedPtrField<mamori::v1::Event>& events,
                                const ChainHead& head) const {
    return run(events, head, false);
}

BatchCheck ChainVerifier::checkAll(const google::protobuf::RepeatedPtrField<mamori::v1::Event>& events,
                                   const ChainHead& head) const {
    return run(events, head, true);
}

BatchCheck ChainVerifier::run(const google::protobuf::RepeatedPtrField<mamori::v1::Event>& events,
                              const ChainHead& head, bool every_signature) const {
    BatchCheck r;
    auto fail = [&r](ChainFault f, size_t i, std::string why) {
        r.fault = f;
        r.index = i;
        r.detail = std::move(why);
        r.bodies.clear();
        return r;
    };
    if (events.empty()) return fail(ChainFault::Malformed, 0, "empty batch");
    r.bodies.reserve(events.size());
    for (int i = 0; i < events.size(); ++i) {
        const auto& ev = events[i];
        mamori::v1::EventBody body;
        if (!body.ParseFromString(ev.body()) || body.seq() == 0)
            return fail(ChainFault::Malformed, i, "event " + std::to_string(i) + " has no valid body");
        // Stores keep seq as a signed 64-bit integer (SQLite has no other), and no agent gets
        // near 2^63 events: such a seq is a forgery, refused here rather than failing the store.
        if (body.seq() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return fail(ChainFault::Malformed, i, "event " + std::to_string(i) + " has seq beyond 2^63-1");
        if (body.terminal_id() != terminal_id_)
            return fail(ChainFault::WrongTerminal, i,
                        "event seq " + std::to_string(body.seq()) + " names terminal '" + body.terminal_id() +
                            "', the certificate says '" + terminal_id_ + "'");
        if (ev.prev_hash().size() != 32 || ev.hash() != EventChain::linkHash(ev.prev_hash(), ev.body()))
            return fail(ChainFault::BrokenChain, i,
                        "event seq " + std::to_string(body.seq()) + " does not hash to its recorded hash");
        if (i > 0) {
            if (body.seq() != r.bodies.back().seq() + 1)
                return fail(ChainFault::BrokenChain, i,
                            "seq " + std::to_string(body.seq()) + " follows seq " +
                                std::to_string(r.bodies.back().seq()));
            if (ev.prev_hash() != events[i - 1].hash())
                return fail(ChainFault::BrokenChain, i,
                            "event seq " + std::to_string(body.seq()) + " does not link to its predecessor");
        }
        if (every_signature && !key_.verify(ev.hash(), ev.signature()))
            return fail(ChainFault::BadSignature, i,
                        "event seq " + std::to_string(body.seq()) + " is not signed by the terminal's key");
        r.bodies.push_back(std::move(body));
    }
    const auto& last = events[events.size() - 1];
    if (!every_signature && !key_.verify(last.hash(), last.signature()))
        return fail(ChainFault::BadSignature, events.size() - 1, "the batch head is not signed by the terminal's key");

    uint64_t first = r.bodies.front().seq(), end = r.bodies.back().seq();
    if (end <= head.seq)
        r.continuation = Continuation::Replay;
    else if (first <= head.seq)
        r.continuation = Continuation::Overlap;
    else if (first > head.seq + 1)
        r.continuation = Continuation::Gap;
    else if (events[0].prev_hash() != head.hash)
        r.continuation = Continuation::Fork;
    else
        r.continuation = Continuation::Next;
    return r;
}

}  // namespace mamori::proto
