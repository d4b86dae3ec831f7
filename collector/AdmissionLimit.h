#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace mamori::collector {

// How many new connections may be under way at once: those accepted and not yet answered. Past
// capacity, every connection admitted shares the same two cores with all the others, so each
// takes as long as all of them together; fewer admitted at once are each answered sooner, and
// the rest are turned away at no cost (TlsBusyAlert) and come back later. The listener times
// only its agents' connections, and keeps a place for any other only until its handshake is
// done: a client without a certificate could be slow on purpose.
//
// The limit adapts, as TCP's congestion window or a gradient concurrency limit does, to the time
// from a connection's acceptance to its first answer: it is cut while a window's median is over
// `tolerance` times the shortest median remembered (the time with no queue: a far branch
// office's round trips are in both, so a slow network never cuts it) for a second window running,
// and it grows by its square root for each window without such a queue: up to `initial` whether
// used or not, beyond it only while at least half of it was used. A fixed limit would be wrong both
// ways: over a WAN the connections under way are the rate times the round trips, many more than
// on a LAN for the same load.
//
// What no queue looks like is measured with little load: at start, and again every half of
// `memory` while the limit is cut, the limit is `least` for one window, whose median is
// remembered among the others. A collector started while the fleet already crowds it, or left
// crowded for long, would otherwise take a crowd's times for the quick ones.
//
// A connection under way longer than `stale` stops counting: it is waiting on its peer (a
// handshake or a request sent slowly), not on this machine, and clients holding connections open
// must not keep others out. Its answer, if it comes, is still a sample.
//
// Only one connection of each client is timed at a time (belongsTo): an agent syncs over one, so
// a client with several under way at once is not acting as agents do, and one whose certificate
// was stolen, slow on purpose over many connections, must not fill a window with its own times
// and cut the limit for the fleet. Its other connections still count. Used from any thread.
class AdmissionLimit : public std::enable_shared_from_this<AdmissionLimit> {
    using Ticket = uint64_t;

public:
    using Clock = std::chrono::steady_clock;
    struct Settings {
        size_t initial = 64, least = 8, most = 1024;
        Clock::duration window = std::chrono::milliseconds(250);
        Clock::duration memory = std::chrono::seconds(30);  // how long the shortest median is kept
        Clock::duration stale = std::chrono::seconds(1);
        double tolerance = 2.0;
    };

    // A connection's place under the limit, from its acceptance to its first answer. Given back
    // with the time it took by answered(), or without a sample when dropped first (a failed
    // handshake, a timeout, a client gone). Empty: refused, or no limit. It keeps its limit alive,
    // so that a connection ended after its listener (at shutdown) gives its place back safely.
    class Place {
    public:
        Place() = default;
        Place(Place&& o) noexcept;
        Place& operator=(Place&& o) noexcept;
        ~Place();
        explicit operator bool() const { return limit_ != nullptr; }
        void answered(Clock::time_point now);
        // Its client is known (once its handshake is done): while another connection of the
        // same client is timed, this one's answer is no sample.
        void belongsTo(const std::string& client);

    private:
        friend class AdmissionLimit;
        Place(std::shared_ptr<AdmissionLimit> limit, Ticket ticket) : limit_(std::move(limit)), ticket_(ticket) {}
        std::shared_ptr<AdmissionLimit> limit_;
        Ticket ticket_ = 0;
    };

    // Always owned by a shared_ptr (std::make_shared): its places share it.
    explicit AdmissionLimit(Settings settings);

    // A place when fewer than the limit are under way at `now`, else an empty one.
    Place tryStart(Clock::time_point now);

    size_t limit() const;
    size_t underWay(Clock::time_point now);

private:
    void finished(Ticket ticket, Clock::time_point now);
    void abandoned(Ticket ticket);
    void belongs(Ticket ticket, const std::string& client);
    bool forget(Ticket ticket);          // with mutex_ held: whether its answer is a sample
    void expire(Clock::time_point now);  // with mutex_ held
    void judge(Clock::time_point now);   // with mutex_ held

    const Settings settings_;
    mutable std::mutex mutex_;
    double limit_;
    // Measuring with the limit at `least` for this window; the limit to go back to afterwards.
    bool probing_ = true;
    Ticket probe_first_ = 1;  // only those admitted during the measurement are its samples
    double after_probe_;
    Clock::time_point last_probe_{};
    int queued_windows_ = 0;  // windows running whose median was a queue
    Ticket next_ = 1;
    // Tickets under way and their start, oldest first (tickets are issued in time order).
    std::map<Ticket, Clock::time_point> under_way_;
    std::map<Ticket, Clock::time_point> stale_;  // no longer counted, still awaited for a sample
    // Each client's one timed ticket, the client of each such ticket, and the tickets not timed.
    std::map<std::string, Ticket> timed_clients_;
    std::map<Ticket, std::string> client_of_;
    std::set<Ticket> untimed_;
    // The current window: its start, its samples, and the most under way at once.
    Clock::time_point window_start_{};
    std::vector<Clock::duration> samples_;
    size_t window_peak_ = 0;
    std::deque<std::pair<Clock::time_point, Clock::duration>> medians_;  // over `memory`
};

}  // namespace mamori::collector
