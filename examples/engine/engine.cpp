// Reference matching engine: a seeded order flow, price-time matching, versioned settlement batches.
//
// Built only from the header idlgen generates for an IDL (see docs/engine.md): the batch version it
// emits is the highest member of the header's `families::Batch`, and the trade fields that exist only
// in some versions (client_order_id, maker_rebate_bps, sequencer_slot, ImmediateOrCancel) are used when
// the header has them. Built against the v1_only IDL it is the "old" engine (BatchV1); against the
// current IDL the "new" one (BatchV2). Same flags and seed, same bytes, on every machine.
//
// Output: a frame stream (docs/engine.md): the 8-byte magic "IDLGFRM1", then per batch a u32
// little-endian length and that many bytes of `settle_batch.data` (version byte + Borsh body).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "godark_settlement.hpp"
#include "sha256.hpp"

namespace gs = ::godark::settlement;
using Family = gs::families::Batch;
using Batch = std::variant_alternative_t<std::variant_size_v<Family::Value> - 1, Family::Value>;
using Trade = typename decltype(Batch::trades)::value_type;
using OrderTypeT = decltype(Trade::order_type);

template <class T, class = void> struct has_client_order_id : std::false_type {};
template <class T> struct has_client_order_id<T, std::void_t<decltype(std::declval<T&>().client_order_id)>>
    : std::true_type {};
template <class T, class = void> struct has_maker_rebate : std::false_type {};
template <class T> struct has_maker_rebate<T, std::void_t<decltype(std::declval<T&>().maker_rebate_bps)>>
    : std::true_type {};
template <class T, class = void> struct has_sequencer_slot : std::false_type {};
template <class T> struct has_sequencer_slot<T, std::void_t<decltype(std::declval<T&>().sequencer_slot)>>
    : std::true_type {};
// A data-carrying order-type enum (OrderTypeV2) is a struct holding a std::variant; V1's is a plain enum.
template <class T, class = void> struct rich_order_type : std::false_type {};
template <class T> struct rich_order_type<T, std::void_t<decltype(std::declval<T&>().value)>> : std::true_type {};

constexpr std::uint8_t kVersion = Family::versions[Family::versions.size() - 1];

namespace {

struct Options {
    std::uint64_t seed = 1;
    std::uint64_t orders = 400;
    std::uint64_t batch_trades = 32;
    std::uint64_t first_batch_id = 1;
    std::uint64_t max_batches = 0;  // 0: no limit
    std::uint16_t markets = 2;
    std::uint64_t traders = 16;
    std::string out = "-";
};

// splitmix64: tiny, fully specified, identical on every platform (std distributions are not).
struct Rng {
    std::uint64_t s;
    std::uint64_t next() noexcept {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
};

enum class Kind { limit, market, ioc };

struct Resting {
    std::uint64_t trader;
    std::uint64_t price;
    std::uint64_t qty;
};

// One market's book: price levels, FIFO inside a level (price-time priority).
struct Book {
    std::map<std::uint64_t, std::deque<Resting>> bids;  // best = highest
    std::map<std::uint64_t, std::deque<Resting>> asks;  // best = lowest
};

::idlgen_borsh::Pubkey trader_key(std::uint64_t i) {
    // Deterministic stand-in wallets: SHA-256("godark-engine-trader" || i as u64 LE).
    std::uint8_t seed[28];
    std::memcpy(seed, "godark-engine-trader", 20);
    for (int b = 0; b < 8; ++b) seed[20 + b] = static_cast<std::uint8_t>(i >> (8 * b));
    ::idlgen_borsh::Pubkey k{};
    k.bytes = engine::sha256(seed, sizeof seed);
    return k;
}

// A template so that only the branch matching the header's order-type shape is compiled.
template <class OT>
OT order_type_of(Kind kind, std::uint16_t slippage) {
    if constexpr (rich_order_type<OT>::value) {
        OT t{};
        switch (kind) {
            case Kind::limit: t.value = typename OT::Limit{}; break;
            case Kind::market: t.value = typename OT::Market{}; break;
            case Kind::ioc: t.value = typename OT::ImmediateOrCancel{slippage}; break;
        }
        return t;
    } else {
        (void)slippage;
        return kind == Kind::market ? OT::Market : OT::Limit;
    }
}

// Fields only some batch versions have; templates so a header without them never sees the assignment.
template <class T>
void set_later_fields(T& t, std::uint64_t client_id, std::uint64_t trader, std::uint64_t fill) {
    if constexpr (has_client_order_id<T>::value) {
        if (client_id != 0) t.client_order_id = ::idlgen_borsh::U128::from_words(client_id, trader);
    }
    if constexpr (has_maker_rebate<T>::value) t.maker_rebate_bps = static_cast<std::int16_t>(fill % 2 ? -1 : 2);
    (void)client_id, (void)trader, (void)fill;
}

template <class B>
void set_sequencer_slot(B& b, std::uint64_t slot) {
    if constexpr (has_sequencer_slot<B>::value) b.sequencer_slot = slot;
    (void)b, (void)slot;
}

class Engine {
public:
    explicit Engine(const Options& o) : opt_(o), rng_{o.seed}, books_(o.markets) {}

    // Runs the whole order flow; `emit` gets each batch as settle_batch.data bytes.
    template <class Emit>
    bool run(Emit&& emit) {
        for (std::uint64_t n = 0; n < opt_.orders; ++n) {
            submit(n);
            while (pending_.size() >= opt_.batch_trades) {
                if (!cut(opt_.batch_trades, emit)) return false;
                if (done()) return true;
            }
        }
        while (!pending_.empty() && !done()) {
            const std::size_t n = pending_.size() < opt_.batch_trades ? pending_.size() : opt_.batch_trades;
            if (!cut(n, emit)) return false;
        }
        return true;
    }

private:
    bool done() const noexcept { return opt_.max_batches != 0 && batches_ >= opt_.max_batches; }

    void submit(std::uint64_t n) {
        const std::uint64_t trader = rng_.below(opt_.traders);
        const auto market = static_cast<std::uint16_t>(rng_.below(opt_.markets));
        const bool bid = rng_.below(2) == 0;
        const std::uint64_t roll = rng_.below(100);
        Kind kind = roll < 70 ? Kind::limit : roll < 85 ? Kind::market : Kind::ioc;
        if (kind == Kind::ioc && !rich_order_type<OrderTypeT>::value) kind = Kind::limit;  // V1 has no IOC
        const std::uint64_t price = 10'000 - 40 + rng_.below(81);  // quote lots, around a fixed mid
        std::uint64_t qty = 1 + rng_.below(100);
        const auto slippage = static_cast<std::uint16_t>(5 + rng_.below(50));
        const bool has_client_id = rng_.below(2) == 0;
        Book& book = books_[market];
        auto& opposite = bid ? book.asks : book.bids;
        while (qty > 0 && !opposite.empty()) {
            auto level = bid ? opposite.begin() : std::prev(opposite.end());
            const std::uint64_t best = level->first;
            const std::uint64_t limit = kind == Kind::ioc
                ? (bid ? price + price * slippage / 10'000 : price - price * slippage / 10'000)
                : price;
            if (kind != Kind::market && (bid ? best > limit : best < limit)) break;
            Resting& maker = level->second.front();
            const std::uint64_t fill = maker.qty < qty ? maker.qty : qty;
            Trade t{};
            t.trade_id = ++trade_seq_;
            t.maker = trader_key(maker.trader);
            t.taker = trader_key(trader);
            t.market_index = market;
            t.side = bid ? gs::Side::Bid : gs::Side::Ask;
            t.order_type = order_type_of<OrderTypeT>(kind, slippage);
            t.price = best;
            t.quantity = fill;
            t.fee_bps = 5;
            t.timestamp = static_cast<std::int64_t>(1'767'225'600 + n);  // 2026-01-01 plus one second per order
            set_later_fields(t, has_client_id ? n + 1 : 0, trader, fill);
            pending_.push_back(t);
            maker.qty -= fill;
            qty -= fill;
            if (maker.qty == 0) {
                level->second.pop_front();
                if (level->second.empty()) opposite.erase(level);
            }
        }
        if (qty > 0 && kind == Kind::limit) (bid ? book.bids : book.asks)[price].push_back({trader, price, qty});
    }

    template <class Emit>
    bool cut(std::size_t n, Emit& emit) {
        Batch batch{};
        batch.batch_id = opt_.first_batch_id + batches_;
        set_sequencer_slot(batch, 1'000 + batches_);
        batch.trades.assign(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        std::vector<std::vector<std::uint8_t>> leaves;
        leaves.reserve(batch.trades.size());
        for (const Trade& t : batch.trades) {
            std::vector<std::uint8_t> buf(gs::encoded_size(t));
            ::idlgen_borsh::Writer w(buf);
            gs::encode(w, t);
            if (!w.ok()) return fail("trade", w.status());
            buf.resize(w.size());
            leaves.push_back(std::move(buf));
        }
        batch.merkle_root = engine::merkle_root(leaves);
        std::vector<std::uint8_t> frame(Family::encoded_size(batch));
        ::idlgen_borsh::Writer w(frame);
        Family::encode(w, batch);
        if (!w.ok()) return fail("batch", w.status());
        frame.resize(w.size());
        ++batches_;
        return emit(frame);
    }

    static bool fail(const char* what, const ::idlgen_borsh::Status& st) {
        std::fprintf(stderr, "engine: cannot encode %s: %s at offset %zu\n", what, st.message(), st.offset);
        return false;
    }

    Options opt_;
    Rng rng_;
    std::vector<Book> books_;
    std::deque<Trade> pending_;
    std::uint64_t trade_seq_ = 0;
    std::uint64_t batches_ = 0;
};

bool parse_u64(const char* s, std::uint64_t& out) {
    if (s == nullptr || *s == '\0') return false;
    errno = 0;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || *s == '-') return false;
    out = v;
    return true;
}

int usage(const char* why) {
    std::fprintf(stderr,
                 "engine: %s\n"
                 "usage: engine [--seed N] [--orders N] [--batch-trades N] [--first-batch-id N] [--max-batches N]\n"
                 "              [--markets N] [--traders N] [--out FILE|-] | --describe\n",
                 why);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--describe") {
            // One line the sim-test and humans can read: which family version this build emits.
            std::printf("{\"family\": \"Batch\", \"emit_version\": %u, \"versions\": [", unsigned{kVersion});
            for (std::size_t k = 0; k < Family::versions.size(); ++k)
                std::printf("%s%u", k ? ", " : "", unsigned{Family::versions[k]});
            std::printf("], \"frame_magic\": \"IDLGFRM1\"}\n");
            return 0;
        }
        if (i + 1 >= argc) return usage(("missing value for " + a).c_str());
        const char* v = argv[++i];
        std::uint64_t n = 0;
        if (a == "--out") {
            o.out = v;
            continue;
        }
        if (!parse_u64(v, n)) return usage(("not a non-negative integer: " + a + " " + v).c_str());
        if (a == "--seed") o.seed = n;
        else if (a == "--orders") o.orders = n;
        else if (a == "--batch-trades" && n > 0) o.batch_trades = n;
        else if (a == "--first-batch-id" && n > 0) o.first_batch_id = n;
        else if (a == "--max-batches") o.max_batches = n;
        else if (a == "--markets" && n > 0 && n <= 65'535) o.markets = static_cast<std::uint16_t>(n);
        else if (a == "--traders" && n > 1) o.traders = n;
        else return usage(("unknown option or value out of range: " + a).c_str());
    }
    FILE* out = o.out == "-" ? stdout : std::fopen(o.out.c_str(), "wb");
    if (out == nullptr) {
        std::fprintf(stderr, "engine: cannot open %s: %s\n", o.out.c_str(), std::strerror(errno));
        return 1;
    }
    bool ok = std::fwrite("IDLGFRM1", 1, 8, out) == 8;
    Engine engine(o);
    ok = ok && engine.run([out](const std::vector<std::uint8_t>& frame) {
        std::uint8_t len[4];
        const auto n = static_cast<std::uint32_t>(frame.size());
        for (int b = 0; b < 4; ++b) len[b] = static_cast<std::uint8_t>(n >> (8 * b));
        return std::fwrite(len, 1, 4, out) == 4 && std::fwrite(frame.data(), 1, frame.size(), out) == frame.size();
    });
    ok = (std::fflush(out) == 0) && ok;
    if (out != stdout) ok = (std::fclose(out) == 0) && ok;
    if (!ok) {
        std::fprintf(stderr, "engine: writing frames failed\n");
        return 1;
    }
    return 0;
}
