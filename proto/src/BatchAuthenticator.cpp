#include "mamori/proto/BatchAuthenticator.h"

#include <limits>

#include "mamori/proto/EventChain.h"

namespace mamori::proto {

bool BatchAuthenticator::sound(const mamori::v1::Event& ev, mamori::v1::EventBody& body, std::string& why) const {
    if (!body.ParseFromString(ev.body()) || body.seq() == 0) {
        why = "the body is not a valid event";
        return false;
    }
    // Stores keep seq as a signed 64-bit integer, and no agent gets near 2^63 events.
    if (body.seq() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        why = "the body claims a seq beyond 2^63-1";
        return false;
    }
    if (body.terminal_id() != terminal_id_) {
        why = "the body names terminal '" + body.terminal_id() + "'";
        return false;
    }
    if (ev.prev_hash().size() != 32 || ev.hash() != EventChain::linkHash(ev.prev_hash(), ev.body())) {
        why = "the body does not hash to the event's recorded hash (altered)";
        return false;
    }
    return true;
}

BatchAuthenticator::Split BatchAuthenticator::split(
    const google::protobuf::RepeatedPtrField<mamori::v1::Event>& events) const {
    Split out;
    auto refuse = [&out](int i, const std::string& why) {
        auto& s = out.stretches;
        if (!s.empty() && !s.back().authentic && s.back().end == i) {
            s.back().end = i + 1;
            return;
        }
        s.push_back(BatchStretch{false, i, i + 1, {}, why});
    };
    // A run: sound events, each linked to the one before it by seq and hash. Its bodies are
    // parsed but not yet trusted.
    std::vector<mamori::v1::EventBody> run;
    int run_begin = 0;
    auto close_run = [&](int run_end) {
        // The last event whose signature verifies proves itself and, through the links, every
        // event of the run before it. Almost always that is the run's last event.
        int proved_end = run_begin;
        for (int j = run_end - 1; j >= run_begin; --j) {
            ++out.verifications;
            if (key_.verify(events[j].hash(), events[j].signature())) {
                proved_end = j + 1;
                break;
            }
        }
        if (proved_end > run_begin) {
            BatchStretch s{true, run_begin, proved_end, {}, {}};
            s.bodies.assign(std::make_move_iterator(run.begin()),
                            std::make_move_iterator(run.begin() + (proved_end - run_begin)));
            out.stretches.push_back(std::move(s));
        }
        for (int j = proved_end; j < run_end; ++j) refuse(j, "no signature of the terminal's key covers it");
        run.clear();
    };

    for (int i = 0; i < events.size(); ++i) {
        mamori::v1::EventBody body;
        std::string why;
        const bool ok = sound(events[i], body, why);
        const bool links = ok && !run.empty() && body.seq() == run.back().seq() + 1 &&
                           events[i].prev_hash() == events[i - 1].hash();
        if (!run.empty() && !links) close_run(i);
        if (!ok) {
            refuse(i, why);
            continue;
        }
        if (run.empty()) run_begin = i;
        run.push_back(std::move(body));
    }
    if (!run.empty()) close_run(events.size());
    return out;
}

}  // namespace mamori::proto
