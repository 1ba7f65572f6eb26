// SPDX-License-Identifier: Apache-2.0
/**
 * PeerCollab's API: {@link io.peercollab.PeerCollaboration} (the endpoint and its builder), the
 * {@link io.peercollab.Peer}s it meets, the values it publishes, and the errors it signals.
 *
 * <p>This package and every other public one are {@code @NullMarked} (JSpecify): a type without {@code @Nullable}
 * never holds {@code null}. A record component whose constructor documents that {@code null} becomes a default
 * ({@code ""}, empty) is not {@code @Nullable}, because the annotation would also describe its accessor, which never
 * returns {@code null}; such constructors accept {@code null} all the same.
 */
@NullMarked
package io.peercollab;

import org.jspecify.annotations.NullMarked;
