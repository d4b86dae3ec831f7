#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "mamori/proto/Ed25519Key.h"
#include "mamori/v1/event.pb.h"

namespace mamori::proto {

// The head of a terminal's hash chain: the last seq and its hash (32 zero bytes before seq 1).
struct ChainHead {
    uint64_t seq = 0;
    std::string hash = std::string(32, '\0');
};

// Builds the signed hash chain of one terminal:
// hash = SHA-256(prev_hash || body), signature = Ed25519(key, hash).
// The body is serialized exactly once here; those bytes are what is hashed and sent,
// so verification never depends on protobuf re-serializing the same way.
class EventChain {
public:
    EventChain(Ed25519Key key, ChainHead head) : key_(std::move(key)), head_(std::move(head)) {}

    // Stamps seq (head.seq + 1) into the body, links it, signs it and advances the head.
    mamori::v1::Event append(mamori::v1::EventBody body);

    const ChainHead& head() const { return head_; }

    static std::string linkHash(std::string_view prev_hash, std::string_view body);

private:
    Ed25519Key key_;
    ChainHead head_;
};

}  // namespace mamori::proto
