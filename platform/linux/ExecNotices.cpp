#include "ExecNotices.h"

#include <linux/cn_proc.h>
#include <arpa/inet.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "mamori/common/Log.h"

namespace mamori::platform {

namespace asio = boost::asio;

namespace {

// The longest an exec notice waits in the socket before the agent reads it, and the most read
// at one wakeup (see drain()).
constexpr auto kPause = std::chrono::milliseconds(10);
constexpr int kPerWakeup = 256;

// Offsets within one connector message, after its netlink header: the layouts of <linux/connector.h>
// and <linux/cn_proc.h>, read field by field so no structure is ever laid over unchecked bytes.
constexpr size_t kCnHeader = sizeof(cn_msg);                      // id, seq, ack, len, flags
constexpr size_t kWhat = 0;                                       // proc_event.what
constexpr size_t kExecTgid = 16 + sizeof(__kernel_pid_t);         // proc_event.event_data.exec.process_tgid
constexpr size_t kExecEnd = kExecTgid + sizeof(__kernel_pid_t);

template <class T>
T at(std::string_view bytes, size_t offset) {
    T v;
    std::memcpy(&v, bytes.data() + offset, sizeof v);
    return v;
}

// Tells the connector to start (or stop) sending this socket process notices.
bool subscribe(int fd, proc_cn_mcast_op op) {
    // Laid out by hand: cn_msg ends in a flexible array, so no structure can follow it.
    alignas(nlmsghdr) char msg[sizeof(nlmsghdr) + sizeof(cn_msg) + sizeof(proc_cn_mcast_op)] = {};
    nlmsghdr nl{};
    nl.nlmsg_len = sizeof msg;
    nl.nlmsg_type = NLMSG_DONE;
    cn_msg cn{};
    cn.id.idx = CN_IDX_PROC;
    cn.id.val = CN_VAL_PROC;
    cn.len = sizeof(proc_cn_mcast_op);
    std::memcpy(msg, &nl, sizeof nl);
    std::memcpy(msg + sizeof nl, &cn, sizeof cn);
    std::memcpy(msg + sizeof nl + sizeof cn, &op, sizeof op);
    return ::send(fd, msg, sizeof msg, 0) == static_cast<ssize_t>(sizeof msg);
}

int openSocket() {
    const int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (fd < 0) throw std::runtime_error(std::string("no process connector socket: ") + strerror(errno));
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    // Only exec notices are queued here: the kernel tells every listener of each fork and exit
    // too, and without this filter each of them would wake the agent for nothing (a build's
    // fork, exec and exit: three wakeups where one is wanted). Classic BPF reads the event's
    // `what` in network order, hence htonl. Where the filter cannot be set, parse() ignores them.
    sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, sizeof(nlmsghdr) + kCnHeader + kWhat),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(proc_event::PROC_EVENT_EXEC), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    const sock_fprog filter{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
    if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter) != 0)
        Log::debug(std::string("exec notices unfiltered: ") + strerror(errno));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || !subscribe(fd, PROC_CN_MCAST_LISTEN)) {
        const int err = errno;
        ::close(fd);
        throw std::runtime_error(std::string("the kernel sends no exec notices here: ") + strerror(err));
    }
    return fd;
}

}  // namespace

std::vector<uint32_t> ExecNotices::parse(std::string_view datagram, size_t* malformed) {
    std::vector<uint32_t> pids;
    size_t bad = 0;
    std::string_view rest = datagram;
    while (!rest.empty()) {
        if (rest.size() < sizeof(nlmsghdr)) {
            ++bad;
            break;
        }
        const auto len = at<uint32_t>(rest, offsetof(nlmsghdr, nlmsg_len));
        if (len < sizeof(nlmsghdr) || len > rest.size()) {
            ++bad;
            break;  // the length is all there is to find the next message by
        }
        const std::string_view msg = rest.substr(sizeof(nlmsghdr), len - sizeof(nlmsghdr));
        rest.remove_prefix(std::min<size_t>(rest.size(), NLMSG_ALIGN(len)));
        if (msg.size() < kCnHeader) {
            ++bad;
            continue;
        }
        const auto idx = at<uint32_t>(msg, offsetof(cn_msg, id) + offsetof(cb_id, idx));
        const auto val = at<uint32_t>(msg, offsetof(cn_msg, id) + offsetof(cb_id, val));
        const auto data_len = at<uint16_t>(msg, offsetof(cn_msg, len));
        if (idx != CN_IDX_PROC || val != CN_VAL_PROC || data_len > msg.size() - kCnHeader) {
            ++bad;
            continue;
        }
        const std::string_view event = msg.substr(kCnHeader, data_len);
        if (event.size() < sizeof(uint32_t)) {
            ++bad;
            continue;
        }
        if (at<uint32_t>(event, kWhat) != proc_event::PROC_EVENT_EXEC) continue;
        if (event.size() < kExecEnd) {
            ++bad;
            continue;
        }
        const auto tgid = at<int32_t>(event, kExecTgid);
        if (tgid <= 0) {
            ++bad;
            continue;
        }
        pids.push_back(static_cast<uint32_t>(tgid));
    }
    if (malformed) *malformed += bad;
    return pids;
}

ExecNotices::ExecNotices(asio::any_io_executor reactor, Handler on_exec)
    : on_exec_(std::move(on_exec)), socket_(reactor, openSocket()), pause_(reactor) {
    arm();
}

ExecNotices::~ExecNotices() {
    subscribe(socket_.native_handle(), PROC_CN_MCAST_IGNORE);
}

void ExecNotices::arm() {
    socket_.async_wait(asio::posix::descriptor_base::wait_read,
                       [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
                           if (!alive.expired() && !ec) drain();
                       });
}

// Reads what the socket holds, up to kPerWakeup datagrams, then pauses (below) and waits again:
// however fast programs start, the reactor is never held here for long. Left in the socket, the
// rest are read after the pause; if it fills up meanwhile, the kernel drops notices (ENOBUFS).
void ExecNotices::drain() {
    alignas(nlmsghdr) char buf[8192];
    std::weak_ptr<bool> alive = alive_;
    for (int datagrams = 0; datagrams < kPerWakeup; ++datagrams) {
        sockaddr_nl from{};
        socklen_t from_len = sizeof from;
        const ssize_t n = ::recvfrom(socket_.native_handle(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == ENOBUFS) {
            // More execs than the socket could hold: those notices are gone, the next ones come.
            if (!lost_told_) Log::warn("exec notices were lost: the kernel's socket buffer overflowed");
            lost_told_ = true;
            continue;
        }
        if (n < 0) {
            if (errno != EAGAIN) Log::error(std::string("reading exec notices: ") + strerror(errno));
            break;
        }
        // Only the kernel speaks for the connector; anything else is not a notice.
        if (from.nl_pid != 0) continue;
        size_t malformed = 0;
        for (const uint32_t pid : parse(std::string_view(buf, static_cast<size_t>(n)), &malformed)) {
            on_exec_(pid);
            if (alive.expired()) return;  // the handler stopped the watch, and with it this
        }
        if (malformed) Log::debug("skipped " + std::to_string(malformed) + " malformed exec notice(s)");
    }
    // Waking the agent at every exec on the machine slowed an exec-heavy loop by about 7 % (a
    // wakeup on another CPU is an interrupt, dear in a virtual machine); waking at most once per
    // pause made it as fast as with no listener. The notices wait in the socket meanwhile.
    pause_.expires_after(kPause);
    pause_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (!alive.expired() && !ec) arm();
    });
}

}  // namespace mamori::platform
