/**
 * Implementation of PeerCollab: the engine, the in-memory transport, the stores. Not API: anything here may change in
 * any release without notice. Use the types of {@code io.peercollab} and its sub-packages.
 */
package io.peercollab.internal;
