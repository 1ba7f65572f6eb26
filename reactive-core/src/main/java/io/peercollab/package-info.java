/**
 * PeerCollab's API: {@link io.peercollab.PeerCollaboration} (the endpoint and its builder), the
 * {@link io.peercollab.Peer}s it meets, the values it publishes, and the errors it signals.
 */
package io.peercollab;
