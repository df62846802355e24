/*
 * godark_settlement: the reference settlement program, written in C and built to SBF (SBPFv0).
 *
 * One source, three builds, one per stage of the rollout story (scripts/build-programs.sh):
 *   -DSTAGE_V1_ONLY       0.1.0, tests/fixtures/settlement/v1_only.json  (BatchV1 only)
 *   (no switch)           0.2.0, idl/godark_settlement.json              (BatchV1 + BatchV2)
 *   -DSTAGE_V3_HARDFORK   1.0.0, tests/fixtures/settlement/v3_hardfork.json
 *                         (BatchV2 only, settle_batch gains `epoch_authority`, SettlementState
 *                         gains `epoch_root`/`epoch`; `ping` migrates a 0.x SettlementState in place)
 *
 * It is not an Anchor program but behaves like one on purpose, in Anchor's order: program id check
 * (4100), 8-byte discriminator (100/101), Borsh args (102, trailing bytes ignored), accounts
 * (3000s while loading each account in order, then the 2000s constraints), then the handler with
 * the IDL's errors (6000+). Errors are logged the way Anchor logs them. The interface (PDA seeds,
 * account order, errors, events, the migration) is documented in docs/programs.md.
 *
 * SBF rules that shape this code: no writable globals (large scratch lives in the heap region),
 * at most 512 bytes of stack per function (clang's BPF limit), no jump tables (-fno-jump-tables).
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

#if defined(STAGE_V1_ONLY)
#define HAS_V1 1
#define HAS_V2 0
#define V3 0
#elif defined(STAGE_V3_HARDFORK)
#define HAS_V1 0
#define HAS_V2 1
#define V3 1
#else
#define HAS_V1 1
#define HAS_V2 1
#define V3 0
#endif

/* ---- syscalls (bound by name through .dynsym; see programs/tools/sbf_link.py) ---- */
typedef struct { const u8 *addr; u64 len; } SolBytes;
typedef struct { const SolBytes *addr; u64 len; } SolSignerSeeds;
typedef struct { const u8 *pubkey; u8 is_writable; u8 is_signer; } SolAccountMeta;
typedef struct {
    const u8 *program_id;
    const SolAccountMeta *accounts;
    u64 account_len;
    const u8 *data;
    u64 data_len;
} SolInstruction;
typedef struct {
    const u8 *key;
    u64 *lamports;
    u64 data_len;
    u8 *data;
    const u8 *owner;
    u64 rent_epoch;
    u8 is_signer;
    u8 is_writable;
    u8 executable;
} SolAccountInfo;

extern void sol_log_(const char *msg, u64 len);
extern void sol_log_data(const SolBytes *fields, u64 n);
extern u64 sol_sha256(const SolBytes *vals, u64 n, u8 *out);
extern u64 sol_create_program_address(const SolBytes *seeds, u64 n, const u8 *program_id, u8 *out);
extern u64 sol_try_find_program_address(const SolBytes *seeds, u64 n, const u8 *program_id, u8 *out, u8 *bump);
extern u64 sol_invoke_signed_c(const SolInstruction *ix, const SolAccountInfo *infos, int n_infos,
                               const SolSignerSeeds *signers, int n_signers);
extern u64 sol_get_clock_sysvar(void *clock);
extern void sol_memcpy_(void *dst, const void *src, u64 n);
extern void sol_memset_(void *dst, int c, u64 n);

/* clang may lower struct copies to these even with -fno-builtin. */
void *memcpy(void *dst, const void *src, u64 n) { sol_memcpy_(dst, src, n); return dst; }
void *memset(void *dst, int c, u64 n) { sol_memset_(dst, c, n); return dst; }

/* ---- fixed keys and discriminators (from the IDLs; tests/programs checks them by running) ---- */
static const u8 PROGRAM_ID[32] = {253, 47, 247, 224, 248, 40, 44, 65, 131, 54, 152, 175, 76, 84, 178, 11,
                                  235, 4, 115, 25, 3, 247, 185, 29, 148, 155, 168, 93, 168, 50, 145, 2};
static const u8 SYSTEM_PROGRAM_ID[32] = {0};
static const u8 TOKEN_PROGRAM_ID[32] = {6, 221, 246, 225, 215, 101, 161, 147, 217, 203, 225, 70, 206, 235, 121, 172,
                                        28, 180, 133, 237, 95, 91, 55, 145, 58, 140, 245, 133, 126, 255, 0, 169};

#define IX_INITIALIZE_CONFIG 0x46c4bec201157fd0ULL
#define IX_UPDATE_CONFIG 0x63db530abffc9e1dULL
#define IX_PAUSE 0x2fc1794afbdd16d3ULL
#define IX_UNPAUSE 0xffbc8d0a260490a9ULL
#define IX_SETTLE_BATCH 0xd6a37ae1df150216ULL
#define IX_PING 0x99e18549ec5e00adULL
#define IX_DEPOSIT 0xb6f2e15289c623f2ULL
#define IX_WITHDRAW 0x22a16d949c4612b7ULL
#define IX_CLOSE_VAULT 0x1d1d4b487e11678dULL

#define DISC_GLOBAL_CONFIG 0xd9b0fca0ca9c0895ULL
#define DISC_SETTLEMENT_STATE 0xc0f7a24448e06b20ULL
#define DISC_VAULT_BALANCE 0x2cebc77809aab98bULL
static const u8 EV_BATCH_SETTLED[8] = {238, 14, 187, 192, 127, 95, 104, 9};
static const u8 EV_CONFIG_UPDATED[8] = {40, 241, 230, 122, 11, 19, 198, 194};

/* ---- error codes: Anchor's own, then the IDL's ---- */
enum {
    E_INSTRUCTION_MISSING = 100,
    E_INSTRUCTION_FALLBACK_NOT_FOUND = 101,
    E_INSTRUCTION_DID_NOT_DESERIALIZE = 102,
    E_CONSTRAINT_MUT = 2000,
    E_CONSTRAINT_RAW = 2003,
    E_CONSTRAINT_RENT_EXEMPT = 2005,
    E_CONSTRAINT_SEEDS = 2006,
    E_CONSTRAINT_TOKEN_MINT = 2014,
    E_CONSTRAINT_TOKEN_OWNER = 2015,
    E_ACCOUNT_DISCRIMINATOR_NOT_FOUND = 3001,
    E_ACCOUNT_DISCRIMINATOR_MISMATCH = 3002,
    E_ACCOUNT_DID_NOT_DESERIALIZE = 3003,
    E_ACCOUNT_NOT_ENOUGH_KEYS = 3005,
    E_ACCOUNT_OWNED_BY_WRONG_PROGRAM = 3007,
    E_INVALID_PROGRAM_ID = 3008,
    E_INVALID_PROGRAM_EXECUTABLE = 3009,
    E_ACCOUNT_NOT_SIGNER = 3010,
    E_ACCOUNT_NOT_INITIALIZED = 3012,
    E_DECLARED_PROGRAM_ID_MISMATCH = 4100,
    E_INVALID_BATCH_VERSION = 6000,
    E_BATCH_VERSION_DISABLED = 6001,
    E_PAUSED = 6002,
    E_UNAUTHORIZED_RELAYER = 6003,
    E_BATCH_TOO_SMALL = 6004,
    E_EMPTY_BATCH = 6005,
    E_INVALID_MERKLE_ROOT = 6006,
    E_STALE_BATCH_ID = 6007,
    E_INSUFFICIENT_BALANCE = 6008,
    E_UNAUTHORIZED = 6009,
};
/* ProgramError::BorshIoError, what `BatchV<n>::try_from_slice(body)?` returns on a bad body. */
#define BORSH_IO_ERROR (15ULL << 32)

/* ---- account layouts (Borsh, after the 8-byte discriminator) ---- */
#define CFG_ADMIN 0
#define CFG_PAUSED 32
#define CFG_MIN 33
#define CFG_ALLOWED 37
#define CFG_RELAYER 38
#define CFG_LEN 70

#if V3
#define ST_ROOT 0
#define ST_EPOCH_ROOT 32
#define ST_LAST 64
#define ST_TOTAL 72
#define ST_SLOT 80
#define ST_EPOCH 88
#define ST_BUMP 92
#define ST_LEN 93
#else
#define ST_ROOT 0
#define ST_LAST 32
#define ST_TOTAL 40
#define ST_SLOT 48
#define ST_BUMP 56
#define ST_LEN 57
#endif
/* The 0.x layout, which the hard-fork build migrates from. */
#define OLD_ST_LEN 57
#define OLD_ST_BUMP 56

#define VB_OWNER 0
#define VB_MINT 32
#define VB_AMOUNT 64
#define VB_LOCKED 72
#define VB_BUMP 80
#define VB_LEN 81

#define MINT_LEN 82
#define MINT_IS_INITIALIZED 45
#define TOKEN_ACCOUNT_LEN 165
#define TOKEN_STATE 108

#define MAX_ACCOUNTS 16
#define MAX_TRADES_PER_BATCH 1024 /* the IDL constant */
#define REALLOC_ROOM 10240
/* Rent::default(): 3,480 lamports per byte-year, exempt at 2 years, 128 bytes of account overhead. */
#define RENT_EXEMPT(space) (((u64)(space) + 128) * 6960)

typedef struct {
    const u8 *key;
    u8 *owner;
    u64 *lamports;
    u64 *data_len; /* the serialized length: writing it reallocates (within REALLOC_ROOM) */
    u8 *data;
    u64 rent_epoch;
    u8 is_signer;
    u8 is_writable;
    u8 executable;
} Acc;

/* Scratch in the heap region (no writable globals; the stack holds 512 bytes per function). */
typedef struct {
    Acc acc[MAX_ACCOUNTS];
    u64 n_accounts;
    const u8 *ix;
    u64 ix_len;
    const u8 *program_id;
    u32 trade_off[MAX_TRADES_PER_BATCH + 1];
} Ctx;
#define CTX ((Ctx *)0x300000000ULL)

/* ---- small helpers ---- */
static inline u64 rd64(const u8 *p) { return *(const u64 *)p; }
static inline u32 rd32(const u8 *p) { return *(const u32 *)p; }
static inline void wr64(u8 *p, u64 v) { *(u64 *)p = v; }
static inline void wr32(u8 *p, u32 v) { *(u32 *)p = v; }

static inline int eq32(const u8 *a, const u8 *b) {
    return rd64(a) == rd64(b) && rd64(a + 8) == rd64(b + 8) && rd64(a + 16) == rd64(b + 16) &&
           rd64(a + 24) == rd64(b + 24);
}
static inline void cp32(u8 *d, const u8 *s) {
    wr64(d, rd64(s));
    wr64(d + 8, rd64(s + 8));
    wr64(d + 16, rd64(s + 16));
    wr64(d + 24, rd64(s + 24));
}

#define LOG(s) sol_log_((s), sizeof(s) - 1)

/* Anchor's names and messages for the codes this program returns. */
static const char *error_name(u64 code, const char **msg) {
    switch (code) {
    case 100: *msg = "8 byte instruction identifier not provided"; return "InstructionMissing";
    case 101: *msg = "Fallback functions are not supported"; return "InstructionFallbackNotFound";
    case 102: *msg = "The program could not deserialize the given instruction"; return "InstructionDidNotDeserialize";
    case 2000: *msg = "A mut constraint was violated"; return "ConstraintMut";
    case 2003: *msg = "A raw constraint was violated"; return "ConstraintRaw";
    case 2005: *msg = "A rent exemption constraint was violated"; return "ConstraintRentExempt";
    case 2006: *msg = "A seeds constraint was violated"; return "ConstraintSeeds";
    case 2014: *msg = "A token mint constraint was violated"; return "ConstraintTokenMint";
    case 2015: *msg = "A token owner constraint was violated"; return "ConstraintTokenOwner";
    case 3001: *msg = "No 8 byte discriminator was found on the account"; return "AccountDiscriminatorNotFound";
    case 3002: *msg = "8 byte discriminator did not match what was expected"; return "AccountDiscriminatorMismatch";
    case 3003: *msg = "Failed to deserialize the account"; return "AccountDidNotDeserialize";
    case 3005: *msg = "Not enough account keys given to the instruction"; return "AccountNotEnoughKeys";
    case 3007: *msg = "The given account is owned by a different program than expected"; return "AccountOwnedByWrongProgram";
    case 3008: *msg = "Program ID was not as expected"; return "InvalidProgramId";
    case 3009: *msg = "Program account is not executable"; return "InvalidProgramExecutable";
    case 3010: *msg = "The given account did not sign"; return "AccountNotSigner";
    case 3012: *msg = "The program expected this account to be already initialized"; return "AccountNotInitialized";
    case 4100: *msg = "The declared program id does not match the actual program id"; return "DeclaredProgramIdMismatch";
    case 6000: *msg = "Unknown batch version byte"; return "InvalidBatchVersion";
    case 6001: *msg = "Batch version is disabled in GlobalConfig.allowed_batch_versions"; return "BatchVersionDisabled";
    case 6002: *msg = "Settlement is paused"; return "Paused";
    case 6003: *msg = "Signer is not the active relayer"; return "UnauthorizedRelayer";
    case 6004: *msg = "Batch has fewer trades than GlobalConfig.min_batch_size"; return "BatchTooSmall";
    case 6005: *msg = "Batch contains no trades"; return "EmptyBatch";
    case 6006: *msg = "Merkle root does not match the batch trades"; return "InvalidMerkleRoot";
    case 6007: *msg = "Batch id is not greater than the last settled batch id"; return "StaleBatchId";
    case 6008: *msg = "Insufficient unlocked balance"; return "InsufficientBalance";
    case 6009: *msg = "Signer is not the config admin"; return "Unauthorized";
    default: *msg = "Unknown error"; return "Unknown";
    }
}

typedef struct { char b[320]; u64 n; } Buf;

static void put(Buf *o, const char *s) {
    for (u64 i = 0; s[i] && o->n < sizeof(o->b); i++) o->b[o->n++] = s[i];
}
static void put_u64(Buf *o, u64 v) {
    char t[20];
    u64 k = 0;
    do { t[k++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (k && o->n < sizeof(o->b)) o->b[o->n++] = t[--k];
}

/* Logs the error as Anchor does and returns its code (the program's return value). */
__attribute__((noinline)) static u64 fail(u64 code, const char *account) {
    Buf o;
    o.n = 0;
    const char *msg;
    const char *name = error_name(code, &msg);
    if (account) {
        put(&o, "AnchorError caused by account: ");
        put(&o, account);
        put(&o, ". Error Code: ");
    } else {
        put(&o, "AnchorError occurred. Error Code: ");
    }
    put(&o, name);
    put(&o, ". Error Number: ");
    put_u64(&o, code);
    put(&o, ". Error Message: ");
    put(&o, msg);
    put(&o, ".");
    sol_log_(o.b, o.n);
    return code;
}

__attribute__((noinline)) static void log_kv(const char *key, u64 v) {
    Buf o;
    o.n = 0;
    put(&o, key);
    put_u64(&o, v);
    sol_log_(o.b, o.n);
}

/* ---- input (aligned loader layout, docs: ../shared/docs/svm.md) ---- */
static void parse_input(u8 *p, Ctx *c) {
    u64 n = rd64(p);
    p += 8;
    c->n_accounts = n < MAX_ACCOUNTS ? n : MAX_ACCOUNTS;
    for (u64 i = 0; i < n; i++) {
        Acc a;
        u8 dup = p[0];
        if (dup != 0xff) {
            a = c->acc[dup < MAX_ACCOUNTS ? dup : 0];
            p += 8;
        } else {
            a.is_signer = p[1];
            a.is_writable = p[2];
            a.executable = p[3];
            p += 8;
            a.key = p;
            p += 32;
            a.owner = p;
            p += 32;
            a.lamports = (u64 *)p;
            p += 8;
            a.data_len = (u64 *)p;
            u64 len = rd64(p);
            p += 8;
            a.data = p;
            p += len + REALLOC_ROOM;
            p = (u8 *)(((u64)p + 7) & ~7ULL);
            a.rent_epoch = rd64(p);
            p += 8;
        }
        if (i < MAX_ACCOUNTS) c->acc[i] = a;
    }
    c->ix_len = rd64(p);
    p += 8;
    c->ix = p;
    c->program_id = p + c->ix_len;
}

/* ---- account checks, Anchor's order and codes ---- */
static u64 need_signer(const Acc *a, const char *name) {
    return a->is_signer ? 0 : fail(E_ACCOUNT_NOT_SIGNER, name);
}
static u64 need_mut(const Acc *a, const char *name) {
    return a->is_writable ? 0 : fail(E_CONSTRAINT_MUT, name);
}
static u64 need_program(const Acc *a, const u8 *id, const char *name) {
    if (!eq32(a->key, id)) return fail(E_INVALID_PROGRAM_ID, name);
    return a->executable ? 0 : fail(E_INVALID_PROGRAM_EXECUTABLE, name);
}

/* Account<'info, T>: initialized, owned by this program, discriminator, body long enough. */
static u64 load_account(const Acc *a, u64 disc, u64 body_len, const char *name) {
    if (eq32(a->owner, SYSTEM_PROGRAM_ID) && *a->lamports == 0) return fail(E_ACCOUNT_NOT_INITIALIZED, name);
    if (!eq32(a->owner, PROGRAM_ID)) return fail(E_ACCOUNT_OWNED_BY_WRONG_PROGRAM, name);
    if (*a->data_len < 8) return fail(E_ACCOUNT_DISCRIMINATOR_NOT_FOUND, name);
    if (rd64(a->data) != disc) return fail(E_ACCOUNT_DISCRIMINATOR_MISMATCH, name);
    if (*a->data_len < 8 + body_len) return fail(E_ACCOUNT_DID_NOT_DESERIALIZE, name);
    return 0;
}

static u64 load_config(const Acc *a) {
    u64 e = load_account(a, DISC_GLOBAL_CONFIG, CFG_LEN, "config");
    if (e) return e;
    /* Borsh bool: anything but 0/1 does not deserialize. */
    return a->data[8 + CFG_PAUSED] > 1 ? fail(E_ACCOUNT_DID_NOT_DESERIALIZE, "config") : 0;
}

/* Account<'info, Mint> / Account<'info, TokenAccount> of SPL Token. */
static u64 load_token(const Acc *a, u64 len, const char *name) {
    if (eq32(a->owner, SYSTEM_PROGRAM_ID) && *a->lamports == 0) return fail(E_ACCOUNT_NOT_INITIALIZED, name);
    if (!eq32(a->owner, TOKEN_PROGRAM_ID)) return fail(E_ACCOUNT_OWNED_BY_WRONG_PROGRAM, name);
    if (*a->data_len != len) return fail(E_ACCOUNT_DID_NOT_DESERIALIZE, name);
    u8 init = len == MINT_LEN ? a->data[MINT_IS_INITIALIZED] : a->data[TOKEN_STATE];
    return init == 0 ? fail(E_ACCOUNT_DID_NOT_DESERIALIZE, name) : 0;
}

/* seeds = [...], bump: with WITH_BUMP in `n` (the bump stored in the account) one derivation, else the
   canonical search, which writes the bump. (BPF calls take at most five arguments.) */
#define WITH_BUMP 0x100
static u64 check_pda(const Acc *a, const SolBytes *seeds, u64 n, u8 *bump, const char *name) {
    u8 addr[32];
    int have_bump = (n & WITH_BUMP) != 0;
    n &= 0xff;
    if (have_bump) {
        SolBytes s[4];
        for (u64 i = 0; i < n; i++) s[i] = seeds[i];
        s[n].addr = bump;
        s[n].len = 1;
        if (sol_create_program_address(s, n + 1, PROGRAM_ID, addr)) return fail(E_CONSTRAINT_SEEDS, name);
    } else if (sol_try_find_program_address(seeds, n, PROGRAM_ID, addr, bump)) {
        return fail(E_CONSTRAINT_SEEDS, name);
    }
    return eq32(addr, a->key) ? 0 : fail(E_CONSTRAINT_SEEDS, name);
}

static const u8 SEED_CONFIG[6] = {'c', 'o', 'n', 'f', 'i', 'g'};
static const u8 SEED_SETTLEMENT[10] = {'s', 'e', 't', 't', 'l', 'e', 'm', 'e', 'n', 't'};
static const u8 SEED_VAULT[5] = {'v', 'a', 'u', 'l', 't'};

static u64 check_config_pda(const Acc *a) {
    SolBytes s = {SEED_CONFIG, sizeof(SEED_CONFIG)};
    u8 bump;
    return check_pda(a, &s, 1, &bump, "config");
}
static u64 check_state_pda(const Acc *a, u8 bump) {
    SolBytes s = {SEED_SETTLEMENT, sizeof(SEED_SETTLEMENT)};
    return check_pda(a, &s, 1 | WITH_BUMP, &bump, "settlement_state");
}

/* ---- CPI ---- */
static void to_info(const Acc *a, SolAccountInfo *i) {
    i->key = a->key;
    i->lamports = a->lamports;
    i->data_len = *a->data_len;
    i->data = a->data;
    i->owner = a->owner;
    i->rent_epoch = a->rent_epoch;
    i->is_signer = a->is_signer;
    i->is_writable = a->is_writable;
    i->executable = a->executable;
}

/* A CPI with up to three accounts (system create/transfer/allocate/assign, token transfer). A failing
   callee aborts the whole transaction, so there is no result to handle. */
typedef struct {
    const Acc *acc[3];
    u8 writable[3];
    u8 signer[3];
    u64 n;
    const u8 *data;
    u64 len;
} Cpi;

static void invoke(const u8 *program, const Cpi *x, const SolSignerSeeds *signer) {
    SolAccountMeta m[3];
    SolAccountInfo infos[3];
    for (u64 i = 0; i < x->n; i++) {
        m[i].pubkey = x->acc[i]->key;
        m[i].is_writable = x->writable[i];
        m[i].is_signer = x->signer[i];
        to_info(x->acc[i], &infos[i]);
    }
    SolInstruction ix = {program, m, x->n, x->data, x->len};
    sol_invoke_signed_c(&ix, infos, (int)x->n, signer, signer ? 1 : 0);
}

static void invoke2(const Acc *a0, const Acc *a1, u8 a1_signs, const u8 *data, u64 len, const SolSignerSeeds *signer) {
    Cpi x = {{a0, a1, 0}, {1, 1, 0}, {1, a1_signs, 0}, a0 == a1 ? 1 : 2, data, len};
    invoke(SYSTEM_PROGRAM_ID, &x, signer);
}

/* Anchor's `init`: create the PDA `acct` (payer `payer`) with `space` bytes owned by this program. */
static void create_pda(const Acc *payer, Acc *acct, u64 space, const SolBytes *seeds, u64 n_seeds) {
    SolSignerSeeds signer = {seeds, n_seeds};
    u8 d[52];
    u64 need = RENT_EXEMPT(space);
    if (*acct->lamports == 0) {
        wr32(d, 0); /* CreateAccount */
        wr64(d + 4, need);
        wr64(d + 12, space);
        cp32(d + 20, PROGRAM_ID);
        invoke2(payer, acct, 1, d, 52, &signer);
        return;
    }
    /* Someone funded the address first: top up, allocate, assign (as Anchor does). */
    if (*acct->lamports < need) {
        wr32(d, 2); /* Transfer */
        wr64(d + 4, need - *acct->lamports);
        invoke2(payer, acct, 0, d, 12, 0);
    }
    wr32(d, 8); /* Allocate */
    wr64(d + 4, space);
    invoke2(acct, acct, 1, d, 12, &signer);
    wr32(d, 1); /* Assign */
    cp32(d + 4, PROGRAM_ID);
    invoke2(acct, acct, 1, d, 36, &signer);
}

static void token_transfer(const Acc *from, const Acc *to, const Acc *authority, u64 amount,
                           const SolSignerSeeds *signer) {
    u8 d[9];
    d[0] = 3; /* spl_token::instruction::Transfer */
    wr64(d + 1, amount);
    Cpi x = {{from, to, authority}, {1, 1, 0}, {0, 0, 1}, 3, d, 9};
    invoke(TOKEN_PROGRAM_ID, &x, signer);
}

static void emit(const u8 *disc, const u8 *body, u64 len) {
    u8 buf[104];
    for (u64 i = 0; i < 8; i++) buf[i] = disc[i];
    for (u64 i = 0; i < len; i++) buf[8 + i] = body[i];
    SolBytes f = {buf, 8 + len};
    sol_log_data(&f, 1);
}

static u64 clock_slot(void) {
    u64 clock[5];
    sol_get_clock_sysvar(clock);
    return clock[0];
}

/* ---- initialize_config(min_batch_size: u32, allowed_batch_versions: u8, active_relayer: pubkey) ---- */
static u64 ix_initialize_config(Ctx *c, const u8 *args, u64 alen) {
    LOG("Instruction: InitializeConfig");
    if (alen < 4 + 1 + 32) return fail(E_INSTRUCTION_DID_NOT_DESERIALIZE, 0);
    if (c->n_accounts < 4) return fail(E_ACCOUNT_NOT_ENOUGH_KEYS, 0);
    Acc *admin = &c->acc[0], *config = &c->acc[1], *state = &c->acc[2], *system = &c->acc[3];
    u64 e;
    if ((e = need_signer(admin, "admin"))) return e;
    if ((e = need_program(system, SYSTEM_PROGRAM_ID, "system_program"))) return e;

    u8 cfg_bump, st_bump;
    SolBytes s1[2] = {{SEED_CONFIG, sizeof(SEED_CONFIG)}, {&cfg_bump, 1}};
    if ((e = check_pda(config, s1, 1, &cfg_bump, "config"))) return e;
    create_pda(admin, config, 8 + CFG_LEN, s1, 2);
    SolBytes s2[2] = {{SEED_SETTLEMENT, sizeof(SEED_SETTLEMENT)}, {&st_bump, 1}};
    if ((e = check_pda(state, s2, 1, &st_bump, "settlement_state"))) return e;
    create_pda(admin, state, 8 + ST_LEN, s2, 2);
    if ((e = need_mut(admin, "admin"))) return e;

    u8 *d = config->data;
    wr64(d, DISC_GLOBAL_CONFIG);
    cp32(d + 8 + CFG_ADMIN, admin->key);
    d[8 + CFG_PAUSED] = 0;
    wr32(d + 8 + CFG_MIN, rd32(args));
    d[8 + CFG_ALLOWED] = args[4];
    cp32(d + 8 + CFG_RELAYER, args + 5);

    d = state->data;
    for (u64 i = 0; i < 8 + ST_LEN; i++) d[i] = 0;
    wr64(d, DISC_SETTLEMENT_STATE);
#if V3
    wr32(d + 8 + ST_EPOCH, 1);
#endif
    d[8 + ST_BUMP] = st_bump;
    return 0;
}

/* ---- update_config / pause / unpause: admin signer, config has_one admin ---- */
static u64 admin_accounts(Ctx *c) {
    if (c->n_accounts < 2) return fail(E_ACCOUNT_NOT_ENOUGH_KEYS, 0);
    Acc *admin = &c->acc[0], *config = &c->acc[1];
    u64 e;
    if ((e = need_signer(admin, "admin"))) return e;
    if ((e = load_config(config))) return e;
    if ((e = check_config_pda(config))) return e;
    if ((e = need_mut(config, "config"))) return e;
    /* has_one = admin @ Unauthorized */
    if (!eq32(config->data + 8 + CFG_ADMIN, admin->key)) return fail(E_UNAUTHORIZED, "config");
    return 0;
}

static void emit_config(const Acc *config) { emit(EV_CONFIG_UPDATED, config->data + 8, CFG_LEN); }

static u64 ix_update_config(Ctx *c, const u8 *args, u64 alen) {
    LOG("Instruction: UpdateConfig");
    /* Option<u32>, Option<u8>, Option<pubkey> */
    u64 o = 0;
    const u8 *vals[3];
    const u64 sizes[3] = {4, 1, 32};
    for (int i = 0; i < 3; i++) {
        if (o >= alen || args[o] > 1) return fail(E_INSTRUCTION_DID_NOT_DESERIALIZE, 0);
        vals[i] = 0;
        if (args[o++] == 1) {
            if (o + sizes[i] > alen) return fail(E_INSTRUCTION_DID_NOT_DESERIALIZE, 0);
            vals[i] = args + o;
            o += sizes[i];
        }
    }
    u64 e = admin_accounts(c);
    if (e) return e;
    u8 *d = c->acc[1].data + 8;
    if (vals[0]) wr32(d + CFG_MIN, rd32(vals[0]));
    if (vals[1]) d[CFG_ALLOWED] = vals[1][0];
    if (vals[2]) cp32(d + CFG_RELAYER, vals[2]);
    emit_config(&c->acc[1]);
    return 0;
}

static u64 ix_set_paused(Ctx *c, u8 paused) {
    if (paused) LOG("Instruction: Pause");
    else LOG("Instruction: Unpause");
    u64 e = admin_accounts(c);
    if (e) return e;
    c->acc[1].data[8 + CFG_PAUSED] = paused;
    emit_config(&c->acc[1]);
    return 0;
}

/* ---- batches ---- */

/* RFC 6962 Merkle tree hash over the trades' Borsh encodings: leaf = H(0x00 || trade),
   node = H(0x01 || left || right), split at the largest power of two below n. */
static void mth(const u8 *base, const u32 *off, u64 n, u8 *out) {
    if (n == 0) {
        sol_sha256(0, 0, out);
        return;
    }
    if (n == 1) {
        u8 LEAF = 0;
        SolBytes v[2] = {{&LEAF, 1}, {base + off[0], off[1] - off[0]}};
        sol_sha256(v, 2, out);
        return;
    }
    u64 k = 1;
    while (k * 2 < n) k *= 2;
    u8 lr[64];
    mth(base, off, k, lr);
    mth(base, off + k, n - k, lr + 32);
    u8 NODE = 1;
    SolBytes v[2] = {{&NODE, 1}, {lr, 64}};
    sol_sha256(v, 2, out);
}

typedef struct {
    u64 batch_id;
    const u8 *root;
    u64 n;
    int heartbeat;
    const u8 *trades; /* base of the offsets in CTX->trade_off */
} Batch;

/* Borsh body of BatchV1 (v=1) / BatchV2 (v=2), consumed exactly (try_from_slice); offset of the error or -1. */
static i64 parse_batch(const u8 *b, u64 len, u8 version, Batch *out, u32 *off) {
    u64 head = version == 1 ? 8 + 32 : 8 + 32 + 8;
    if (len < head + 4) return (i64)len;
    out->batch_id = rd64(b);
    out->root = b + 8;
    u64 n = rd32(b + head);
    u64 o = head + 4;
    if (n > MAX_TRADES_PER_BATCH) return (i64)(head);
    out->n = n;
    out->trades = b;
    out->heartbeat = n > 0;
    for (u64 i = 0; i < n; i++) {
        off[i] = (u32)o;
        /* trade_id, maker, taker, market_index: 74 bytes; side: Side (2 variants) */
        if (o + 76 > len) return (i64)len;
        if (b[o + 74] > 1) return (i64)(o + 74);
        u8 ot = b[o + 75];
        u64 q = o + 76;
        if (version == 1) {
            if (ot > 2) return (i64)(o + 75);
        } else {
            if (ot > 3) return (i64)(o + 75);
            if (ot == 3) q += 2; /* ImmediateOrCancel { max_slippage_bps: u16 } */
        }
        /* price, quantity, fee_bps, timestamp */
        if (q + 26 > len) return (i64)len;
        if (rd64(b + q + 8) != 0) out->heartbeat = 0;
        o = q + 26;
        if (version == 2) {
            if (o + 1 > len) return (i64)len;
            u8 tag = b[o];
            if (tag > 1) return (i64)o;
            o += 1 + (tag ? 16 : 0);
            if (o + 2 > len) return (i64)len; /* maker_rebate_bps: i16 */
            o += 2;
        }
    }
    off[n] = (u32)o;
    if (o != len) return (i64)o; /* "Not all bytes read" */
    return -1;
}

static int version_known(u8 v) {
    return (v == 1 && HAS_V1) || (v == 2 && HAS_V2);
}

/* `vc` is version | trade_count << 8 (BPF calls take at most five arguments). */
static void emit_settled(u64 batch_id, u64 vc, const u8 *root, const u8 *relayer, u64 slot) {
    u8 b[85];
    wr64(b, batch_id);
    b[8] = (u8)vc;
    wr32(b + 9, (u32)(vc >> 8));
    cp32(b + 13, root);
    cp32(b + 45, relayer);
    wr64(b + 77, slot);
    emit(EV_BATCH_SETTLED, b, 85);
}

/* Record a settled batch (or heartbeat) in SettlementState. */
static void record(u8 *st, u64 batch_id, const u8 *root, u64 trades, u64 slot) {
    cp32(st + ST_ROOT, root);
#if V3
    /* epoch_root folds every batch root of the epoch: H(0x01 || epoch_root || batch_root). The inputs are
       copied to the stack: syscalls may not read account data past the length the account had when the
       instruction started, which is where a just-migrated account keeps its epoch_root. */
    u8 NODE = 1;
    u8 er[32], cur[32], br[32];
    cp32(cur, st + ST_EPOCH_ROOT);
    cp32(br, root);
    SolBytes v[3] = {{&NODE, 1}, {cur, 32}, {br, 32}};
    sol_sha256(v, 3, er);
    cp32(st + ST_EPOCH_ROOT, er);
#endif
    wr64(st + ST_LAST, batch_id);
    wr64(st + ST_TOTAL, rd64(st + ST_TOTAL) + trades);
    wr64(st + ST_SLOT, slot);
}

static u64 ix_settle_batch(Ctx *c, const u8 *args, u64 alen) {
    LOG("Instruction: SettleBatch");
    if (alen < 4 || rd32(args) > alen - 4) return fail(E_INSTRUCTION_DID_NOT_DESERIALIZE, 0);
    const u8 *data = args + 4;
    u64 dlen = rd32(args);
#if V3
    const u64 need = 4;
    Acc *relayer = &c->acc[0], *config = &c->acc[2], *state = &c->acc[3];
    /* c->acc[1] is epoch_authority: an unchecked, read-only key (docs/programs.md). */
#else
    const u64 need = 3;
    Acc *relayer = &c->acc[0], *config = &c->acc[1], *state = &c->acc[2];
#endif
    if (c->n_accounts < need) return fail(E_ACCOUNT_NOT_ENOUGH_KEYS, 0);
    u64 e;
    if ((e = need_signer(relayer, "relayer"))) return e;
    if ((e = load_config(config))) return e;
    if ((e = load_account(state, DISC_SETTLEMENT_STATE, ST_LEN, "settlement_state"))) return e;
    if ((e = check_config_pda(config))) return e;
    u8 *st = state->data + 8;
    if ((e = check_state_pda(state, st[ST_BUMP]))) return e;
    if ((e = need_mut(state, "settlement_state"))) return e;

    const u8 *cfg = config->data + 8;
    if (dlen == 0 || !version_known(data[0])) return fail(E_INVALID_BATCH_VERSION, 0);
    u8 version = data[0];
    u8 allowed = cfg[CFG_ALLOWED];
    if ((allowed >> (version - 1) & 1) == 0) /* version gate */
        return fail(E_BATCH_VERSION_DISABLED, 0);
    if (cfg[CFG_PAUSED]) return fail(E_PAUSED, 0);
    if (!eq32(relayer->key, cfg + CFG_RELAYER)) return fail(E_UNAUTHORIZED_RELAYER, 0);

    Batch b;
    i64 bad = parse_batch(data + 1, dlen - 1, version, &b, c->trade_off);
    if (bad >= 0) {
        log_kv(version == 1 ? "Error: BatchV1 body did not deserialize at offset " :
                              "Error: BatchV2 body did not deserialize at offset ", (u64)bad);
        return BORSH_IO_ERROR;
    }
    if (b.n == 0) return fail(E_EMPTY_BATCH, 0);
    if (!b.heartbeat && b.n < rd32(cfg + CFG_MIN)) return fail(E_BATCH_TOO_SMALL, 0);
    if (b.batch_id <= rd64(st + ST_LAST)) return fail(E_STALE_BATCH_ID, 0);
    u8 root[32];
    mth(b.trades, c->trade_off, b.n, root);
    if (!eq32(root, b.root)) return fail(E_INVALID_MERKLE_ROOT, 0);

    u64 slot = clock_slot();
    record(st, b.batch_id, root, b.heartbeat ? 0 : b.n, slot);
    emit_settled(b.batch_id, version | b.n << 8, root, relayer->key, slot);
    return 0;
}

#if V3
/* The 0.x SettlementState (57-byte body) becomes the 1.0.0 layout (93 bytes) in place: the account
   grows by 36 bytes (it must already hold the rent for 101 bytes), the root carries over as
   batch_root, epoch 1 starts with an all-zero epoch_root. */
static u64 migrate_state(Acc *state) {
    if (*state->lamports < RENT_EXEMPT(8 + ST_LEN)) {
        log_kv("Error: settlement_state needs lamports for the 1.0.0 layout: ", RENT_EXEMPT(8 + ST_LEN));
        return fail(E_CONSTRAINT_RENT_EXEMPT, "settlement_state");
    }
    u8 *d = state->data + 8;
    u8 old[OLD_ST_LEN];
    for (u64 i = 0; i < OLD_ST_LEN; i++) old[i] = d[i];
    for (u64 i = 0; i < ST_LEN; i++) d[i] = 0;
    cp32(d + ST_ROOT, old);
    wr64(d + ST_LAST, rd64(old + 32));
    wr64(d + ST_TOTAL, rd64(old + 40));
    wr64(d + ST_SLOT, rd64(old + 48));
    wr32(d + ST_EPOCH, 1);
    d[ST_BUMP] = old[OLD_ST_BUMP];
    *state->data_len = 8 + ST_LEN;
    LOG("Migrated SettlementState to the 1.0.0 layout (65 -> 101 bytes)");
    return 0;
}
#endif

/* ---- ping(batch_id): the heartbeat; works while paused ---- */
static u64 ix_ping(Ctx *c, const u8 *args, u64 alen) {
    LOG("Instruction: Ping");
    if (alen < 8) return fail(E_INSTRUCTION_DID_NOT_DESERIALIZE, 0);
    u64 batch_id = rd64(args);
    if (c->n_accounts < 3) return fail(E_ACCOUNT_NOT_ENOUGH_KEYS, 0);
    Acc *relayer = &c->acc[0], *config = &c->acc[1], *state = &c->acc[2];
    u64 e;
    if ((e = need_signer(relayer, "relayer"))) return e;
    if ((e = load_config(config))) return e;
    u64 body = ST_LEN;
    u8 bump_at = ST_BUMP;
#if V3
    int old_layout = *state->data_len == 8 + OLD_ST_LEN;
    if (old_layout) {
        body = OLD_ST_LEN;
        bump_at = OLD_ST_BUMP;
    }
#endif
    if ((e = load_account(state, DISC_SETTLEMENT_STATE, body, "settlement_state"))) return e;
    if ((e = check_config_pda(config))) return e;
    if ((e = check_state_pda(state, state->data[8 + bump_at]))) return e;
    if ((e = need_mut(state, "settlement_state"))) return e;

    const u8 *cfg = config->data + 8;
    if (!eq32(relayer->key, cfg + CFG_RELAYER)) return fail(E_UNAUTHORIZED_RELAYER, 0);
#if V3
    if (old_layout && (e = migrate_state(state))) return e;
#endif
    u8 *st = state->data + 8;
    if (batch_id <= rd64(st + ST_LAST)) return fail(E_STALE_BATCH_ID, 0);
    u8 root[32];
    mth(0, 0, 0, root); /* a heartbeat settles no trades: the root of the empty tree, SHA-256("") */
    u64 slot = clock_slot();
    record(st, batch_id, root, 0, slot);
    emit_settled(batch_id, 0, root, relayer->key, slot);
    return 0;
}

/* ---- vaults: VaultBalance PDA ["vault", owner, mint]; it is also the SPL authority of the vault token account ---- */
/* Loading accounts 2-6 of deposit/withdraw: mint, the two token accounts, the two programs. */
static u64 token_accounts(Ctx *c) {
    u64 e;
    if ((e = load_token(&c->acc[2], MINT_LEN, "mint"))) return e;
    if ((e = load_token(&c->acc[3], TOKEN_ACCOUNT_LEN, "user_token_account"))) return e;
    if ((e = load_token(&c->acc[4], TOKEN_ACCOUNT_LEN, "vault_token_account"))) return e;
    if ((e = need_program(&c->acc[5], TOKEN_PROGRAM_ID, "token_program"))) return e;
    return need_program(&c->acc[6], SYSTEM_PROGRAM_ID, "system_program");
}

static u64 token_constraints(Ctx *c) {
    Acc *vault = &c->acc[1], *mint = &c->acc[2], *user_ta = &c->acc[3], *vault_ta = &c->acc[4];
    u64 e;
    if ((e = need_mut(&c->acc[0], "owner"))) return e;
    if ((e = need_mut(user_ta, "user_token_account"))) return e;
    if ((e = need_mut(vault_ta, "vault_token_account"))) return e;
    if (!eq32(vault_ta->data, mint->key)) return fail(E_CONSTRAINT_TOKEN_MINT, "vault_token_account");
    if (!eq32(vault_ta->data + 32, vault->key)) return fail(E_CONSTRAINT_TOKEN_OWNER, "vault_token_account");
    return 0;
}

static u64 ix_deposit(Ctx *c, const u8 *args, u64 alen) {
    LOG("Instruction: Deposit");
    if (alen < 8) return fail(E_INSTRUCTION_DID_NOT_DESERIALIZE, 0);
    u64 amount = rd64(args);
    if (c->n_accounts < 7) return fail(E_ACCOUNT_NOT_ENOUGH_KEYS, 0);
    Acc *owner = &c->acc[0], *vault = &c->acc[1], *mint = &c->acc[2];
    u64 e;
    if ((e = need_signer(owner, "owner"))) return e;
    if ((e = token_accounts(c))) return e;

    /* init_if_needed, payer = owner */
    u8 bump;
    SolBytes s[4] = {{SEED_VAULT, sizeof(SEED_VAULT)}, {owner->key, 32}, {mint->key, 32}, {&bump, 1}};
    if ((e = check_pda(vault, s, 3, &bump, "vault_balance"))) return e;
    if (eq32(vault->owner, SYSTEM_PROGRAM_ID)) {
        create_pda(owner, vault, 8 + VB_LEN, s, 4);
        u8 *d = vault->data;
        for (u64 i = 0; i < 8 + VB_LEN; i++) d[i] = 0;
        wr64(d, DISC_VAULT_BALANCE);
        cp32(d + 8 + VB_OWNER, owner->key);
        cp32(d + 8 + VB_MINT, mint->key);
        d[8 + VB_BUMP] = bump;
    } else if ((e = load_account(vault, DISC_VAULT_BALANCE, VB_LEN, "vault_balance"))) {
        return e;
    }
    if ((e = need_mut(vault, "vault_balance"))) return e;
    if ((e = token_constraints(c))) return e;

    token_transfer(&c->acc[3], &c->acc[4], owner, amount, 0);
    u8 *d = vault->data + 8;
    wr64(d + VB_AMOUNT, rd64(d + VB_AMOUNT) + amount);
    return 0;
}

static u64 ix_withdraw(Ctx *c, const u8 *args, u64 alen) {
    LOG("Instruction: Withdraw");
    if (alen < 8) return fail(E_INSTRUCTION_DID_NOT_DESERIALIZE, 0);
    u64 amount = rd64(args);
    if (c->n_accounts < 7) return fail(E_ACCOUNT_NOT_ENOUGH_KEYS, 0);
    Acc *owner = &c->acc[0], *vault = &c->acc[1], *mint = &c->acc[2];
    u64 e;
    if ((e = need_signer(owner, "owner"))) return e;
    if ((e = load_account(vault, DISC_VAULT_BALANCE, VB_LEN, "vault_balance"))) return e;
    if ((e = token_accounts(c))) return e;
    u8 *d = vault->data + 8;
    u8 bump = d[VB_BUMP];
    SolBytes s[4] = {{SEED_VAULT, sizeof(SEED_VAULT)}, {owner->key, 32}, {mint->key, 32}, {&bump, 1}};
    if ((e = check_pda(vault, s, 3 | WITH_BUMP, &bump, "vault_balance"))) return e;
    if ((e = need_mut(vault, "vault_balance"))) return e;
    if ((e = token_constraints(c))) return e;

    u64 have = rd64(d + VB_AMOUNT), locked = rd64(d + VB_LOCKED);
    if (locked > have || amount > have - locked) return fail(E_INSUFFICIENT_BALANCE, 0);
    SolSignerSeeds signer = {s, 4};
    token_transfer(&c->acc[4], &c->acc[3], vault, amount, &signer);
    wr64(d + VB_AMOUNT, have - amount);
    return 0;
}

static u64 ix_close_vault(Ctx *c, const u8 *args, u64 alen) {
    LOG("Instruction: CloseVault");
    if (alen < 32) return fail(E_INSTRUCTION_DID_NOT_DESERIALIZE, 0);
    if (c->n_accounts < 2) return fail(E_ACCOUNT_NOT_ENOUGH_KEYS, 0);
    Acc *owner = &c->acc[0], *vault = &c->acc[1];
    u64 e;
    if ((e = need_signer(owner, "owner"))) return e;
    if ((e = load_account(vault, DISC_VAULT_BALANCE, VB_LEN, "vault_balance"))) return e;
    if ((e = need_mut(owner, "owner"))) return e;
    u8 *d = vault->data + 8;
    u8 bump = d[VB_BUMP];
    SolBytes s[3] = {{SEED_VAULT, sizeof(SEED_VAULT)}, {owner->key, 32}, {args, 32}};
    if ((e = check_pda(vault, s, 3 | WITH_BUMP, &bump, "vault_balance"))) return e;
    if ((e = need_mut(vault, "vault_balance"))) return e;
    /* constraint = vault_balance.amount == 0 && vault_balance.locked == 0 */
    if (rd64(d + VB_AMOUNT) != 0 || rd64(d + VB_LOCKED) != 0) return fail(E_CONSTRAINT_RAW, "vault_balance");

    /* close = owner: lamports to the owner, data cleared, ownership back to the System Program. */
    *owner->lamports += *vault->lamports;
    *vault->lamports = 0;
    for (u64 i = 0; i < *vault->data_len; i++) vault->data[i] = 0;
    *vault->data_len = 0;
    cp32(vault->owner, SYSTEM_PROGRAM_ID);
    return 0;
}

u64 entrypoint(u8 *input) {
    Ctx *c = CTX;
    parse_input(input, c);
    if (!eq32(c->program_id, PROGRAM_ID)) return fail(E_DECLARED_PROGRAM_ID_MISMATCH, 0);
    if (c->ix_len < 8) return fail(E_INSTRUCTION_MISSING, 0);
    u64 disc = rd64(c->ix);
    const u8 *args = c->ix + 8;
    u64 alen = c->ix_len - 8;
    switch (disc) {
    case IX_INITIALIZE_CONFIG: return ix_initialize_config(c, args, alen);
    case IX_UPDATE_CONFIG: return ix_update_config(c, args, alen);
    case IX_PAUSE: return ix_set_paused(c, 1);
    case IX_UNPAUSE: return ix_set_paused(c, 0);
    case IX_SETTLE_BATCH: return ix_settle_batch(c, args, alen);
    case IX_PING: return ix_ping(c, args, alen);
    case IX_DEPOSIT: return ix_deposit(c, args, alen);
    case IX_WITHDRAW: return ix_withdraw(c, args, alen);
    case IX_CLOSE_VAULT: return ix_close_vault(c, args, alen);
    default: return fail(E_INSTRUCTION_FALLBACK_NOT_FOUND, 0);
    }
}
