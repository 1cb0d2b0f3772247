/*
 * Driver code for the MMIO differential test: a made-up DMA-less NIC driven the way Linux drivers
 * drive hardware, through readb..readq / writeb..writeq (arch/x86/include/asm/io.h build_mmio_read /
 * build_mmio_write: one MOV per access, any addressing form the compiler picks) and the copy helpers
 * memcpy_toio / memcpy_fromio / __iowrite32_copy (REP MOVS). Compiled by gcc at test time.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef signed char s8;
typedef short s16;

#define build_mmio_read(name, size, type, reg)                                          \
	static inline type name(const volatile void *addr)                              \
	{                                                                               \
		type ret;                                                               \
		asm volatile("mov" size " %1,%0" : reg(ret) : "m"(*(volatile type *)addr) : "memory"); \
		return ret;                                                             \
	}
#define build_mmio_write(name, size, type, reg)                                         \
	static inline void name(type val, volatile void *addr)                          \
	{                                                                               \
		asm volatile("mov" size " %0,%1" : : reg(val), "m"(*(volatile type *)addr) : "memory"); \
	}

build_mmio_read(readb, "b", u8, "=q")
build_mmio_read(readw, "w", u16, "=r")
build_mmio_read(readl, "l", u32, "=r")
build_mmio_read(readq, "q", u64, "=r")
build_mmio_write(writeb, "b", u8, "q")
build_mmio_write(writew, "w", u16, "r")
build_mmio_write(writel, "l", u32, "r")
build_mmio_write(writeq, "q", u64, "r")

static void memcpy_toio(volatile void *dst, const void *src, u64 n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void memcpy_fromio(void *dst, const volatile void *src, u64 n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* __iowrite32_copy: count 32-bit words with REP MOVSL. */
static void iowrite32_copy(volatile void *dst, const void *src, u64 count)
{
	asm volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(count) : : "memory");
}

enum { REG_CTRL = 0x00, REG_STATUS = 0x04, REG_MAC = 0x08, REG_IRQ = 0x10, REG_COUNT = 0x18,
       RING = 0x40, WINDOW = 0x100 };

struct nic_state {
	u64 mac;
	u32 status;
	s16 rssi[8];
	u64 ring[8];
	u8 window[48];
	u64 checksum;
};

struct nic_state nic;
static const u8 frame[48] = "sevlab MMIO differential test frame, 48 bytes!";
static const u32 words[6] = { 0x80000001, 0x7fffffff, 0xdeadbeef, 0x00000000, 0xffffffff, 0x12345678 };

u64 driver_main(volatile u8 *base)
{
	u64 sum = 0;
	int i;

	writel(0x1, base + REG_CTRL);			/* reset */
	writel(0x80000001, base + REG_STATUS);		/* the device model echoes: status = ready */
	while (!(readl(base + REG_STATUS) & 1))
		;
	nic.status = readl(base + REG_STATUS);
	writeq(0xfedcba9876543210ul, base + REG_MAC);
	nic.mac = readq(base + REG_MAC);
	for (i = 0; i < 8; i++) {
		writew((u16)(0xff00 + i * 37), base + REG_IRQ + (i & 3) * 2);
		nic.rssi[i] = (s16)readw(base + REG_IRQ + (i & 3) * 2);
		sum += (u64)(long)(s8)readb(base + REG_MAC + i);
	}
	for (i = 0; i < 8; i++)
		writeq(nic.mac * (u64)(i + 1) + sum, base + RING + i * 8);
	for (i = 0; i < 8; i++)
		nic.ring[7 - i] = readq(base + RING + i * 8) ^ (u64)readb(base + RING + i * 8 + 7);
	memcpy_toio(base + WINDOW, frame, sizeof(frame));
	iowrite32_copy(base + WINDOW + 0x40, words, 6);
	memcpy_fromio(nic.window, base + WINDOW + 3, sizeof(nic.window) - 8);
	for (i = 0; i < 6; i++)
		sum = sum * 31 + readl(base + WINDOW + 0x40 + i * 4);
	writeb((u8)sum, base + REG_COUNT);
	writel((u32)(sum >> 8), base + REG_COUNT + 4);
	nic.checksum = sum ^ readq(base + REG_COUNT);
	return nic.checksum;
}
