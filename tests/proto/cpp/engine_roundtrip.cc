// What the matching engine does with the generated schema: parse a Batch envelope the relayer (Python)
// serialized, read its fields (u128 as 16 little-endian bytes), re-serialize it, and build a trade itself.
//   engine_roundtrip <in.bin> <out.bin> <built.bin>   prints a summary line per trade on stdout
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "godark/settlement/v1/godark_settlement.pb.h"

namespace pb = godark::settlement::v1;

static std::string u128_decimal(const std::string& le) {
  unsigned __int128 v = 0;
  std::memcpy(&v, le.data(), 16);  // little-endian host, as on x86-64 and aarch64
  if (v == 0) return "0";
  std::string out;
  while (v != 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return out;
}

int main(int argc, char** argv) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  if (argc != 4) return 2;
  pb::Batch batch;
  {
    std::ifstream in(argv[1], std::ios::binary);
    if (!batch.ParseFromIstream(&in)) return 3;
  }
  if (batch.version_case() != pb::Batch::kV2) return 4;
  const pb::BatchV2& b = batch.v2();
  std::cout << "batch " << b.batch_id() << " slot " << b.sequencer_slot() << " trades " << b.trades_size()
            << " root_len " << b.merkle_root().size() << "\n";
  for (const pb::TradeEventV2& t : b.trades()) {
    std::cout << "trade " << t.trade_id() << " price " << t.price() << " ts " << t.timestamp() << " side "
              << pb::Side_Name(t.side()) << " rebate " << t.maker_rebate_bps() << " order "
              << t.order_type().variant_case() << " coid "
              << (t.has_client_order_id() ? u128_decimal(t.client_order_id()) : std::string("none")) << "\n";
  }
  {
    std::ofstream out(argv[2], std::ios::binary);
    if (!batch.SerializeToOstream(&out)) return 5;
  }
  pb::TradeEventV2 t;
  t.set_trade_id(UINT64_MAX);
  t.set_maker(std::string(32, '\x01'));
  t.set_taker(std::string(32, '\x02'));
  t.set_market_index(65535);
  t.set_side(pb::SIDE_ASK);
  t.mutable_order_type()->mutable_immediate_or_cancel()->set_max_slippage_bps(25);
  t.set_price(1);
  t.set_quantity(2);
  t.set_fee_bps(3);
  t.set_timestamp(INT64_MIN);
  unsigned __int128 coid = (static_cast<unsigned __int128>(1) << 127) + 5;
  std::string le(16, '\0');
  std::memcpy(le.data(), &coid, 16);
  t.set_client_order_id(le);
  t.set_maker_rebate_bps(-32768);
  std::ofstream built(argv[3], std::ios::binary);
  return t.SerializeToOstream(&built) ? 0 : 6;
}
