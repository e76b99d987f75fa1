/* Loft: forced into procd's build (-include) by openwrt/test/real.sh.
 * OpenWrt builds procd against musl, which has strlcpy; glibc has it only from 2.38
 * (Debian 12 has 2.36). Same semantics as the BSD/musl function. */
#ifndef LOFT_GLIBC_COMPAT_H
#define LOFT_GLIBC_COMPAT_H
/* No #include here: it would fix the feature macros (_GNU_SOURCE) before the source
 * file sets them (__GLIBC__ is not known before an #include, either), so
 * real.sh passes -DLOFT_NEED_STRLCPY when the C library lacks strlcpy (glibc < 2.38). */
#if defined(LOFT_NEED_STRLCPY)
static inline __SIZE_TYPE__ loft_strlcpy(char *d, const char *s, __SIZE_TYPE__ n)
{
	__SIZE_TYPE__ l = __builtin_strlen(s);
	if (n) {
		__SIZE_TYPE__ c = l < n - 1 ? l : n - 1;
		__builtin_memcpy(d, s, c);
		d[c] = '\0';
	}
	return l;
}
#define strlcpy loft_strlcpy
#endif
#endif
