/**
 * Internal helpers of caption4j's own modules: float16 conversion, atomic zip files, SHA-256. Not API: they are
 * public only because Java has no visibility between "package" and "everyone", and may change without notice.
 */
package io.caption4j.core.internal;
