/**
 * The one HTTP layer of the ops port, the console and {@code serve}: {@link dev.anyup.streams.http.BoundedHttpServer}
 * (Jetty 12 under the JDK's {@code com.sun.net.httpserver} handler API) with the per-port bounds of
 * {@link dev.anyup.streams.http.HttpLimits}, so that no slow client stalls a port and {@code /health} and
 * {@code /ready} answer while the others are busy.
 */
package dev.anyup.streams.http;
