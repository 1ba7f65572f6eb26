// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.io.IOException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.rsocket.frame.FrameHeaderCodec;
import io.rsocket.frame.FrameType;
import io.rsocket.frame.SetupFrameCodec;
import io.rsocket.util.DefaultPayload;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * What the kernel says of a process that connected to the agent's Unix domain socket ({@code SO_PEERCRED}, read by
 * Netty's epoll transport): a process of another user is closed at once, and the process id an application claims in
 * its hello must be its own, so that only the process the agent launched is handed that launch. It sits before
 * RSocket's frame decoder, reads the first frame (the SETUP, with the hello), checks it, then passes everything on and
 * leaves the pipeline. A connection whose first frame is not a SETUP, or is larger than a hello can be, is closed.
 */
final class PeerCredentialCheck extends ChannelInboundHandlerAdapter {

	private static final Logger log = Loggers.getLogger(PeerCredentialCheck.class);

	/** The most bytes read before the SETUP frame is whole: a hello is a secret and a number. */
	private static final int MAX_SETUP = 4_096;

	private final PeerCredentials peer;
	private ByteBuf buffered;

	private PeerCredentialCheck(PeerCredentials peer) {
		this.peer = peer;
	}

	/**
	 * Installs the check on a channel of the agent's domain socket, or closes the channel if its peer is another user
	 * or its credentials cannot be read.
	 *
	 * @param uid the agent's own user id
	 * @return whether the channel is kept
	 */
	static boolean install(Channel channel, int uid) {
		if (!(channel instanceof EpollDomainSocketChannel ds)) {
			return true; // NIO's domain sockets do not tell the peer: the directory and the secret decide alone
		}
		PeerCredentials peer;
		try {
			peer = ds.peerCredentials();
		}
		catch (IOException e) {
			log.warn("refused a connection whose credentials cannot be read: {}", e.toString());
			channel.close();
			return false;
		}
		if (peer.uid() != uid) {
			log.warn("refused a connection from user id {} (pid {}): the agent serves user id {} only", peer.uid(),
					peer.pid(), uid);
			channel.close();
			return false;
		}
		channel.pipeline().addFirst("peercollab-peer-credentials", new PeerCredentialCheck(peer));
		return true;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (!(msg instanceof ByteBuf in)) {
			ctx.fireChannelRead(msg);
			return;
		}
		if (buffered == null) {
			buffered = ctx.alloc().buffer();
		}
		buffered.writeBytes(in);
		in.release();
		if (buffered.readableBytes() < 3) {
			return;
		}
		int length = buffered.getUnsignedMedium(buffered.readerIndex());
		if (length > MAX_SETUP) {
			refuse(ctx, "a first frame of " + length + " bytes (at most " + MAX_SETUP + ")");
			return;
		}
		if (buffered.readableBytes() < 3 + length) {
			return;
		}
		ByteBuf frame = buffered.slice(buffered.readerIndex() + 3, length);
		String problem = check(frame);
		if (problem != null) {
			refuse(ctx, problem);
			return;
		}
		ByteBuf all = buffered;
		buffered = null;
		ctx.pipeline().remove(this);
		ctx.fireChannelRead(all);
	}

	/** @return why the first frame is refused, or {@code null} if its hello claims the peer's own process id */
	private String check(ByteBuf frame) {
		try {
			if (FrameHeaderCodec.frameType(frame) != FrameType.SETUP) {
				return "a first frame that is not a SETUP";
			}
			byte[] data = ByteBufUtil.getBytes(SetupFrameCodec.data(frame));
			LocalWire.Hello hello = LocalWire.read(DefaultPayload.create(data), LocalWire.Hello.class);
			if (hello.pid() != peer.pid()) {
				return "a hello that claims process id " + hello.pid() + " from process " + peer.pid();
			}
			return null;
		}
		catch (RuntimeException e) {
			return "a malformed first frame: " + e.getMessage();
		}
	}

	private void refuse(ChannelHandlerContext ctx, String why) {
		log.warn("refused a connection of process {}: {}", peer.pid(), why);
		release();
		ctx.close();
	}

	private void release() {
		if (buffered != null) {
			buffered.release();
			buffered = null;
		}
	}

	@Override
	public void handlerRemoved(ChannelHandlerContext ctx) {
		release();
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		release();
		ctx.fireChannelInactive();
	}
}
