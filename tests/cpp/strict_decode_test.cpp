// Hand-written checks of the generated C++ codecs that conformance vectors cannot express:
// corrupt input (every kind of bad byte Rust's borsh rejects) gives a clean error at the exact offset,
// the zero-copy memory image, the versioned family envelope, and no heap allocation on the hot path.
// Built by tests/cpp/test_cpp_runtime.py with g++ and clang++, and under -fsanitize=address,undefined.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "edge_cases.hpp"
#include "godark_settlement.hpp"

// ---------------------------------------------------------------------------------------------
// Counting every global allocation, to prove the hot paths allocate nothing.
namespace {
std::size_t g_allocs = 0;
std::size_t g_alloc_bytes = 0;
}  // namespace

void* operator new(std::size_t n) {
    ++g_allocs;
    g_alloc_bytes += n;
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    std::abort();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

namespace gs = ::godark::settlement;
namespace ib = ::idlgen_borsh;

int g_failures = 0;
int g_checks = 0;

void expect(bool ok, const char* what, int line) {
    ++g_checks;
    if (!ok) {
        ++g_failures;
        std::fprintf(stderr, "FAIL line %d: %s\n", line, what);
    }
}
#define EXPECT(cond) expect((cond), #cond, __LINE__)

// The status must be exactly (code, offset).
void expect_status(const ib::Status& st, ib::Errc code, std::size_t offset, int line) {
    ++g_checks;
    if (st.code != code || st.offset != offset) {
        ++g_failures;
        std::fprintf(stderr, "FAIL line %d: got %s at %zu, want %s at %zu\n", line, st.message(), st.offset,
                     ib::errc_name(code), offset);
    }
}
#define EXPECT_STATUS(st, code, off) expect_status((st), ib::Errc::code, (off), __LINE__)

gs::TradeEventV2 trade(std::uint64_t i) {
    gs::TradeEventV2 t{};
    t.trade_id = i;
    for (std::size_t k = 0; k < 32; ++k) {
        t.maker.bytes[k] = static_cast<std::uint8_t>(i + k);
        t.taker.bytes[k] = static_cast<std::uint8_t>(i * 7 + k);
    }
    t.market_index = static_cast<std::uint16_t>(i % 64);
    t.side = i % 2 ? gs::Side::Ask : gs::Side::Bid;
    if (i % 5 == 0) {
        t.order_type = gs::OrderTypeV2{gs::OrderTypeV2::ImmediateOrCancel{static_cast<std::uint16_t>(i % 100)}};
    } else {
        t.order_type = gs::OrderTypeV2{gs::OrderTypeV2::Limit{}};
    }
    t.price = 1000000 + i;
    t.quantity = 10 + i % 1000;
    t.fee_bps = 5;
    t.timestamp = 1700000000 + static_cast<std::int64_t>(i);
    if (i % 3 == 0) t.client_order_id = ib::U128::from_words(i, i << 3);
    t.maker_rebate_bps = static_cast<std::int16_t>(-static_cast<int>(i % 3));
    return t;
}

gs::BatchV2 batch(std::size_t n) {
    gs::BatchV2 b{};
    b.batch_id = 42;
    for (std::size_t k = 0; k < 32; ++k) b.merkle_root[k] = static_cast<std::uint8_t>(0xA0 + k);
    b.sequencer_slot = 123456789;
    b.trades.reserve(n);
    for (std::size_t i = 0; i < n; ++i) b.trades.push_back(trade(i + 1));
    return b;
}

std::vector<std::uint8_t> bytes_of(const gs::BatchV2& b) {
    std::vector<std::uint8_t> out;
    const ib::Status st = ib::to_bytes(b, out);
    EXPECT(st.ok());
    return out;
}

// ---------------------------------------------------------------------------------------------

void hot_path_does_not_allocate() {
    {
        // The counter sees allocations (otherwise "no allocation" below would prove nothing).
        const std::size_t c0 = g_allocs;
        std::vector<std::uint8_t> probe(100);
        static std::vector<std::uint8_t>* volatile escape;  // the optimiser may not drop the allocation
        escape = &probe;
        EXPECT(g_allocs == c0 + 1 && escape->size() == 100);
        escape = nullptr;
    }
    const gs::BatchV2 b = batch(1000);
    std::vector<std::uint8_t> buf(gs::encoded_size(b) + 64);
    gs::BatchV2 decoded{};
    {
        // Warm up: the decoded object acquires its capacity once.
        ib::Writer w(buf);
        gs::encode(w, b);
        EXPECT(w.ok());
        EXPECT(ib::from_bytes(buf.data(), w.size(), decoded).ok());
    }
    const std::size_t before = g_allocs;
    for (int round = 0; round < 3; ++round) {
        ib::Writer w(buf);
        gs::encode(w, b);
        EXPECT(w.ok() && w.size() == gs::encoded_size(b));
        ib::Reader r(buf.data(), w.size());
        EXPECT(gs::decode(r, decoded) && r.finish());
    }
    // The whole settle_batch instruction (discriminator + length + version byte + body) too.
    ib::Writer ix(buf);
    gs::families::Batch::encode_instruction(ix, b);
    EXPECT(ix.ok());
    EXPECT(g_allocs == before);  // encode, encoded_size and decode-into-a-reused-object: no allocation
    EXPECT(decoded == b);
    std::printf("BatchV2 of 1000 trades: %zu bytes, %zu allocations while encoding/decoding 3 times\n",
                gs::encoded_size(b), g_allocs - before);
}

void truncated_and_trailing() {
    const std::vector<std::uint8_t> data = bytes_of(batch(3));
    for (std::size_t k = 0; k < data.size(); ++k) {
        std::vector<std::uint8_t> cut(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(k));
        gs::BatchV2 out{};
        const ib::Status st = ib::from_bytes(cut.data(), cut.size(), out);
        EXPECT(st.code == ib::Errc::truncated || st.code == ib::Errc::length_overflow);
        EXPECT(st.offset <= k);
    }
    std::vector<std::uint8_t> more = data;
    more.push_back(7);
    more.push_back(7);
    gs::BatchV2 out{};
    const ib::Status st = ib::from_bytes(more.data(), more.size(), out);
    EXPECT_STATUS(st, trailing_bytes, data.size());
    EXPECT(st.detail == 2);
}

// BatchV2: batch_id 0..8, merkle_root 8..40, sequencer_slot 40..48, trades length 48..52, trade 0 at 52.
// TradeEventV2: trade_id 0, maker 8, taker 40, market_index 72, side 74, order_type 75 (tag; IOC adds u16).
constexpr std::size_t kTrade0 = 52;

void bad_enum_tags() {
    std::vector<std::uint8_t> data = bytes_of(batch(2));
    gs::BatchV2 out{};
    data[kTrade0 + 74] = 2;  // Side has 2 variants
    EXPECT_STATUS(ib::from_bytes(data.data(), data.size(), out), invalid_enum_tag, kTrade0 + 74);
    data[kTrade0 + 74] = 0;
    data[kTrade0 + 75] = 4;  // OrderTypeV2 has 4 variants
    const ib::Status st = ib::from_bytes(data.data(), data.size(), out);
    EXPECT_STATUS(st, invalid_enum_tag, kTrade0 + 75);
    EXPECT(st.detail == 4);
    data[kTrade0 + 75] = 0xFF;
    EXPECT_STATUS(ib::from_bytes(data.data(), data.size(), out), invalid_enum_tag, kTrade0 + 75);
}

void bad_option_tag() {
    gs::BatchV2 b = batch(1);
    b.trades[0].order_type = gs::OrderTypeV2{gs::OrderTypeV2::Market{}};
    std::vector<std::uint8_t> data = bytes_of(b);
    // order_type is one byte (Market), then price 8, quantity 8, fee_bps 2, timestamp 8: option tag at +102.
    const std::size_t at = kTrade0 + 76 + 26;
    EXPECT(data[at] == 0 || data[at] == 1);
    data[at] = 7;
    gs::BatchV2 out{};
    const ib::Status st = ib::from_bytes(data.data(), data.size(), out);
    EXPECT_STATUS(st, invalid_option_tag, at);
    EXPECT(st.detail == 7);
}

void huge_length_prefix_is_rejected_before_allocating() {
    std::vector<std::uint8_t> data = bytes_of(batch(2));
    data[48] = data[49] = data[50] = data[51] = 0xFF;  // 4,294,967,295 trades
    gs::BatchV2 out{};
    std::size_t before = g_allocs;
    const ib::Status st = ib::from_bytes(data.data(), data.size(), out);
    EXPECT_STATUS(st, length_overflow, 48);
    EXPECT(st.detail == 0xFFFFFFFFu);
    EXPECT(g_allocs == before);
    // bytes / strings too: settle_batch(data: bytes) with a length prefix of 0xFFFFFFFF.
    std::vector<std::uint8_t> ix(gs::instructions::SettleBatch::discriminator.begin(),
                                 gs::instructions::SettleBatch::discriminator.end());
    for (int i = 0; i < 4; ++i) ix.push_back(0xFF);
    ix.push_back(1);
    gs::instructions::SettleBatch::Args args{};
    before = g_allocs;
    EXPECT_STATUS(gs::instructions::SettleBatch::decode(ix.data(), ix.size(), args), length_overflow, 8);
    EXPECT(g_allocs == before);
}

void bad_bool_and_discriminator() {
    gs::GlobalConfig cfg{};
    cfg.is_paused = true;
    cfg.min_batch_size = 10;
    cfg.allowed_batch_versions = 3;
    std::vector<std::uint8_t> data(gs::accounts::GlobalConfig::encoded_size(cfg));
    ib::Writer w(data);
    gs::accounts::GlobalConfig::encode(w, cfg);
    EXPECT(w.ok());
    gs::GlobalConfig out{};
    EXPECT(gs::accounts::GlobalConfig::decode(data.data(), data.size(), out).ok() && out == cfg);
    EXPECT(gs::accounts::GlobalConfig::matches(data.data(), data.size()));
    // is_paused sits after the 8-byte discriminator and the 32-byte admin key.
    data[40] = 2;
    EXPECT_STATUS(gs::accounts::GlobalConfig::decode(data.data(), data.size(), out), invalid_bool, 40);
    data[40] = 1;
    data[0] ^= 0xFF;
    EXPECT_STATUS(gs::accounts::GlobalConfig::decode(data.data(), data.size(), out), discriminator_mismatch, 0);
    EXPECT(!gs::accounts::GlobalConfig::matches(data.data(), data.size()));
    EXPECT_STATUS(gs::accounts::GlobalConfig::decode(data.data(), 5, out), truncated, 0);
    data[0] ^= 0xFF;
    // On-chain compatible decode ignores trailing bytes; the strict one names them.
    data.push_back(0);
    EXPECT(gs::accounts::GlobalConfig::decode(data.data(), data.size(), out).ok());
    EXPECT_STATUS(gs::accounts::GlobalConfig::decode_strict(data.data(), data.size(), out), trailing_bytes,
                  data.size() - 1);
}

void invalid_utf8() {
    edge::Names v{};
    v.null = "ok";
    std::vector<std::uint8_t> data;
    EXPECT(ib::to_bytes(v, data).ok());
    // Names: int_ u32 at 0, then the string's u32 length at 4 and its bytes at 8.
    EXPECT(data[4] == 2 && data[8] == 'o');
    const unsigned char bad[][2] = {{0xC3, 0x28}, {0xC0, 0x80}, {0xFF, 0x41}, {0x80, 0x41}, {0xE2, 0x82}};
    for (const auto& b : bad) {
        std::vector<std::uint8_t> d = data;
        d[8] = b[0];
        d[9] = b[1];
        edge::Names out{};
        EXPECT_STATUS(ib::from_bytes(d.data(), d.size(), out), invalid_utf8, 8);
    }
    // Surrogates and code points above U+10FFFF are invalid in Rust's String; the bad byte is reported.
    const std::string cases[] = {"a\xED\xA0\x80", "ab\xF4\x90\x80\x80", "\xE0\x80\xAF"};
    const std::size_t at[] = {9, 10, 8};
    for (std::size_t i = 0; i < 3; ++i) {
        edge::Names w{};
        w.null = cases[i];
        std::vector<std::uint8_t> out;
        // Encoding refuses it too (Rust could never have produced it).
        EXPECT_STATUS(ib::to_bytes(w, out), invalid_utf8, at[i]);
    }
    // Valid multi-byte text round-trips.
    edge::Names ok{};
    ok.null = "\xF0\x9F\x99\x82 \xE4\xB8\xAD\xE6\x96\x87 \xC3\xA9";
    std::vector<std::uint8_t> okb;
    EXPECT(ib::to_bytes(ok, okb).ok());
    edge::Names back{};
    EXPECT(ib::from_bytes(okb.data(), okb.size(), back).ok() && back == ok);
}

void nan_and_coption() {
    edge::instructions::Delete::Args a{};
    a.new_ = "x";
    a.min_ = std::numeric_limits<double>::quiet_NaN();
    std::vector<std::uint8_t> buf(256);
    ib::Writer w(buf);
    edge::instructions::Delete::encode(w, a);
    EXPECT(w.status().code == ib::Errc::nan_float);
    a.min_ = -0.0;
    ib::Writer w2(buf);
    edge::instructions::Delete::encode(w2, a);
    EXPECT(w2.ok());
    // disc 8, new_ (4 + 1), EOF_ option (1), errno_ vec (4), then min_ f64 at 18.
    std::vector<std::uint8_t> d(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w2.size()));
    EXPECT(d[25] == 0x80);  // -0.0 keeps its sign bit
    d[24] = 0xF8;
    d[25] = 0x7F;  // 0x7FF8000000000000: a quiet NaN
    edge::instructions::Delete::Args out{};
    EXPECT_STATUS(edge::instructions::Delete::decode(d.data(), d.size(), out), nan_float, 18);

    edge::Names v{};
    v.assert_ = ib::COption<ib::Pubkey>::some(ib::Pubkey{{{1, 2, 3}}});
    std::vector<std::uint8_t> nb;
    EXPECT(ib::to_bytes(v, nb).ok());
    // int_ 4, null string 4 + 0, then the coption u32 tag at 8.
    EXPECT(nb[8] == 1 && nb[12] == 1);
    nb[8] = 2;
    edge::Names back{};
    EXPECT_STATUS(ib::from_bytes(nb.data(), nb.size(), back), invalid_coption_tag, 8);
    // None is a zero tag and 32 zero bytes: the Pack layout keeps the size fixed.
    v.assert_ = ib::COption<ib::Pubkey>::none();
    EXPECT(ib::to_bytes(v, nb).ok() && nb.size() > 44);
    bool zeros = true;
    for (std::size_t i = 8; i < 44; ++i) zeros = zeros && nb[i] == 0;
    EXPECT(zeros);
    // A data enum with a tag past its last variant.
    std::vector<std::uint8_t> pb;
    edge::Names p{};
    EXPECT(ib::to_bytes(p, pb).ok());
    // ... default_ (1) at 44, unix_ (4) at 45, stdin_ (16) at 49, value (Payload tag) at 65.
    pb[65] = 4;
    EXPECT_STATUS(ib::from_bytes(pb.data(), pb.size(), back), invalid_enum_tag, 65);
    pb[65] = 0;
    pb[44] = 4;  // switch_ has 4 variants: 0..3
    EXPECT_STATUS(ib::from_bytes(pb.data(), pb.size(), back), invalid_enum_tag, 44);
}

void zero_copy_memory_image() {
    edge::Padded p{};
    p.flag = 0xAB;
    p.amount = 0x0102030405060708ULL;
    p.inner.a = 0xCD;
    p.inner.b = 0x11223344;
    p.tail = 0xBEEF;
    std::vector<std::uint8_t> buf(edge::accounts::Padded::encoded_size(p));
    EXPECT(buf.size() == 8 + sizeof(edge::Padded));
    ib::Writer w(buf);
    edge::accounts::Padded::encode(w, p);
    EXPECT(w.ok());
    // Build the expected image field by field into a zeroed struct, then compare with its bytes.
    alignas(edge::Padded) unsigned char raw[sizeof(edge::Padded)];
    std::memset(raw, 0, sizeof raw);
    std::memcpy(raw + offsetof(edge::Padded, flag), &p.flag, 1);
    std::memcpy(raw + offsetof(edge::Padded, amount), &p.amount, 8);
    std::memcpy(raw + offsetof(edge::Padded, inner) + offsetof(edge::Inner, a), &p.inner.a, 1);
    std::memcpy(raw + offsetof(edge::Padded, inner) + offsetof(edge::Inner, b), &p.inner.b, 4);
    std::memcpy(raw + offsetof(edge::Padded, tail), &p.tail, 2);
    if (ib::detail::kLittleEndian) EXPECT(std::memcmp(buf.data() + 8, raw, sizeof raw) == 0);
    EXPECT(buf[8 + 1] == 0 && buf[8 + 7] == 0 && buf[8 + 16 + 1] == 0 && buf[8 + 26] == 0);  // padding
    EXPECT(buf[8 + 8] == 0x08 && buf[8 + 15] == 0x01 && buf[8 + 20] == 0x44 && buf[8 + 24] == 0xEF);
    edge::Padded back{};
    EXPECT(edge::accounts::Padded::decode(buf.data(), buf.size(), back).ok() && back == p);
    // The type on its own is the same image; as a field of a Borsh type it is packed (16 bytes).
    EXPECT(edge::encoded_size(p) == sizeof(edge::Padded));
    std::vector<std::uint8_t> own;
    EXPECT(ib::to_bytes(p, own).ok() && std::memcmp(own.data(), buf.data() + 8, own.size()) == 0);
    std::uint8_t packed[16];
    EXPECT(edge::store(packed, p).code == ib::Errc::ok && packed[1] == 0x08 && packed[9] == 0xCD);

    edge::Tight t{};
    t.tag = 1;
    t.big = ib::U128::from_words(0x1111, 0x2222);
    t.signed_ = -5;
    t.keys[1].bytes[31] = 9;
    t.ratio = 1.5f;
    std::vector<std::uint8_t> tb(edge::accounts::Tight::encoded_size(t));
    ib::Writer tw(tb);
    edge::accounts::Tight::encode(tw, t);
    EXPECT(tw.ok() && tb.size() == 8 + 93);
    if (ib::detail::kLittleEndian) EXPECT(std::memcmp(tb.data() + 8, &t, sizeof t) == 0);  // packed: no padding
    edge::Tight tback{};
    EXPECT(edge::accounts::Tight::decode(tb.data(), tb.size(), tback).ok() && tback == t);
}

void versioned_family() {
    using B = gs::families::Batch;
    EXPECT(B::all_versions == 3);
    EXPECT(B::highest_allowed(3) == 2 && B::highest_allowed(1) == 1 && B::highest_allowed(2) == 2);
    EXPECT(B::highest_allowed(0) == 0 && B::highest_allowed(4) == 0);
    EXPECT_STATUS(B::check_version(3, 0xFF), unknown_version, 0);
    EXPECT_STATUS(B::check_version(0, 0xFF), unknown_version, 0);
    EXPECT_STATUS(B::check_version(2, 1), disabled_version, 0);
    EXPECT(B::check_version(1, 1).ok() && B::check_version(2, 2).ok());
    EXPECT(B::unknown_version_error == 6000 && B::disabled_version_error == 6001);
    gs::GlobalConfig cfg{};
    cfg.allowed_batch_versions = 1;
    EXPECT(B::mask_of(cfg) == 1);

    const gs::BatchV2 b = batch(3);
    std::vector<std::uint8_t> buf(B::encoded_size(b) + 16);
    ib::Writer w(buf);
    B::encode(w, b);
    EXPECT(w.ok() && buf[0] == 2 && w.size() == 1 + gs::encoded_size(b));
    B::Value v{};
    EXPECT(B::decode(buf.data(), w.size(), v).ok() && v.index() == 1 && *std::get_if<1>(&v) == b);
    EXPECT_STATUS(B::decode(buf.data(), w.size(), v, B::mask_of(cfg)), disabled_version, 0);
    buf[0] = 9;
    const ib::Status st = B::decode(buf.data(), w.size(), v);
    EXPECT_STATUS(st, unknown_version, 0);
    EXPECT(st.detail == 9);
    EXPECT_STATUS(B::decode(buf.data(), 0, v), truncated, 0);

    // settle_batch instruction data in one pass: discriminator, u32 length, version, body.
    ib::Writer ix(buf.data(), 0);
    B::encode_instruction(ix, b);
    EXPECT(ix.status().code == ib::Errc::buffer_full);
    std::vector<std::uint8_t> ixbuf(8 + 4 + B::encoded_size(b));
    ib::Writer ixw(ixbuf);
    B::encode_instruction(ixw, b);
    EXPECT(ixw.ok() && ixw.size() == ixbuf.size());
    gs::instructions::SettleBatch::Args args{};
    EXPECT(gs::instructions::SettleBatch::decode_strict(ixbuf.data(), ixbuf.size(), args).ok());
    B::Value again{};
    EXPECT(B::decode(args.data.data(), args.data.size(), again, 2).ok() && again == B::Value{b});
    // A V1 batch through the same envelope.
    gs::BatchV1 v1{};
    v1.batch_id = 7;
    v1.trades.push_back(gs::TradeEventV1{});
    std::vector<std::uint8_t> b1(B::encoded_size(v1));
    ib::Writer w1(b1);
    B::encode(w1, v1);
    EXPECT(w1.ok() && b1[0] == 1);
    EXPECT(B::decode(b1.data(), b1.size(), v, 1).ok() && v.index() == 0);
}

void writer_reports_where_it_ran_out() {
    const gs::BatchV2 b = batch(2);
    std::vector<std::uint8_t> small(60);
    ib::Writer w(small.data(), small.size());
    gs::encode(w, b);
    EXPECT(w.status().code == ib::Errc::buffer_full);
    EXPECT(w.status().offset == 52);  // the first trade's fixed run does not fit after the header
    std::size_t written = 99;
    EXPECT(ib::to_buffer(b, small.data(), small.size(), written).code == ib::Errc::buffer_full && written == 0);
}

}  // namespace

int main() {
    hot_path_does_not_allocate();
    truncated_and_trailing();
    bad_enum_tags();
    bad_option_tag();
    huge_length_prefix_is_rejected_before_allocating();
    bad_bool_and_discriminator();
    invalid_utf8();
    nan_and_coption();
    zero_copy_memory_image();
    versioned_family();
    writer_reports_where_it_ran_out();
    std::printf("%d checks, %d failures\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
