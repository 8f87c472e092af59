/* Test rig only, never shipped: Wine 8.0's bcryptprimitives.dll lacks ProcessPrng, which Rust's
 * std calls for randomness since Rust 1.78, so no Rust .exe starts under it. This DLL stands in
 * for bcryptprimitives.dll and answers ProcessPrng with RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. .ci/wine-runner.sh builds it and puts it on Wine's path. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
