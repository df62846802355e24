// SHA-256 (FIPS 180-4) and the RFC 6962 Merkle tree hash the settlement program checks.
// Self-contained so the engine needs nothing but the generated header and a C++17 compiler.
#ifndef GODARK_ENGINE_SHA256_HPP_
#define GODARK_ENGINE_SHA256_HPP_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace engine {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
public:
    Sha256() noexcept { reset(); }

    void reset() noexcept {
        static constexpr std::uint32_t init[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                                  0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
        std::memcpy(h_, init, sizeof h_);
        len_ = 0;
        fill_ = 0;
    }

    void update(const std::uint8_t* p, std::size_t n) noexcept {
        len_ += n;
        while (n > 0) {
            const std::size_t take = n < 64 - fill_ ? n : 64 - fill_;
            std::memcpy(block_ + fill_, p, take);
            fill_ += take;
            p += take;
            n -= take;
            if (fill_ == 64) {
                compress(block_);
                fill_ = 0;
            }
        }
    }

    Digest finish() noexcept {
        const std::uint64_t bits = len_ * 8;
        const std::uint8_t one = 0x80;
        update(&one, 1);
        const std::uint8_t zero = 0;
        while (fill_ != 56) update(&zero, 1);
        std::uint8_t tail[8];
        for (int i = 0; i < 8; ++i) tail[i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
        update(tail, 8);
        Digest out{};
        for (int i = 0; i < 8; ++i) {
            for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(h_[i] >> (24 - 8 * j));
        }
        return out;
    }

private:
    static std::uint32_t rotr(std::uint32_t x, int n) noexcept { return (x >> n) | (x << (32 - n)); }

    void compress(const std::uint8_t* b) noexcept {
        static constexpr std::uint32_t k[64] = {
            0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
            0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
            0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
            0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
            0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
            0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
            0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
            0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};
        std::uint32_t w[64];
        for (int i = 0; i < 16; ++i) {
            w[i] = (std::uint32_t{b[4 * i]} << 24) | (std::uint32_t{b[4 * i + 1]} << 16) |
                   (std::uint32_t{b[4 * i + 2]} << 8) | std::uint32_t{b[4 * i + 3]};
        }
        for (int i = 16; i < 64; ++i) {
            const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::uint32_t a = h_[0], bb = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
        for (int i = 0; i < 64; ++i) {
            const std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = bb;
            bb = a;
            a = t1 + t2;
        }
        h_[0] += a; h_[1] += bb; h_[2] += c; h_[3] += d; h_[4] += e; h_[5] += f; h_[6] += g; h_[7] += h;
    }

    std::uint32_t h_[8];
    std::uint8_t block_[64];
    std::uint64_t len_;
    std::size_t fill_;
};

inline Digest sha256(const std::uint8_t* p, std::size_t n) noexcept {
    Sha256 s;
    s.update(p, n);
    return s.finish();
}

// RFC 6962 section 2.1: MTH({}) = SHA-256(), leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || l || r),
// split at k, the largest power of two smaller than n.
inline Digest merkle_root(const std::vector<std::vector<std::uint8_t>>& leaves, std::size_t lo, std::size_t hi) {
    const std::size_t n = hi - lo;
    if (n == 0) return sha256(nullptr, 0);
    Sha256 s;
    if (n == 1) {
        const std::uint8_t tag = 0x00;
        s.update(&tag, 1);
        s.update(leaves[lo].data(), leaves[lo].size());
        return s.finish();
    }
    std::size_t k = 1;
    while (k * 2 < n) k *= 2;
    const Digest left = merkle_root(leaves, lo, lo + k);
    const Digest right = merkle_root(leaves, lo + k, hi);
    const std::uint8_t tag = 0x01;
    s.update(&tag, 1);
    s.update(left.data(), left.size());
    s.update(right.data(), right.size());
    return s.finish();
}

inline Digest merkle_root(const std::vector<std::vector<std::uint8_t>>& leaves) {
    return merkle_root(leaves, 0, leaves.size());
}

}  // namespace engine

#endif  // GODARK_ENGINE_SHA256_HPP_
