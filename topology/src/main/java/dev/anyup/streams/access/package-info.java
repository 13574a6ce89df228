/**
 * Kafka access failures that retrying cannot heal (a missing ACL, rejected credentials, an invalid client setting),
 * told apart from transient ones and described with the ACL that fixes them. Used by {@code run}'s stream-thread
 * handler, {@code serve} and the console's similar-image follower.
 */
package dev.anyup.streams.access;
