package io.porthole.collector.packets;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class IpAddressesTest {

  private static String v6(String address) throws Exception {
    ByteBuffer bytes = ByteBuffer.wrap(InetAddress.getByName(address).getAddress());
    return IpAddresses.formatIpv6(bytes.getLong(), bytes.getLong());
  }

  @Test
  void formatsIpv6AsDockerPrintsIt() throws Exception {
    assertThat(v6("::1")).isEqualTo("::1");
    assertThat(v6("::")).isEqualTo("::");
    assertThat(v6("fd00:0:0:0:0:0:0:2")).isEqualTo("fd00::2");
    assertThat(v6("FE80:0:0:0:42:38FF:FEC8:1014")).isEqualTo("fe80::42:38ff:fec8:1014");
    assertThat(v6("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1");
    assertThat(v6("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
    assertThat(v6("2001:0:0:1:0:0:0:1")).isEqualTo("2001:0:0:1::1");
    assertThat(v6("1:0:0:0:0:0:0:0")).isEqualTo("1::");
  }

  @Test
  void formatsIpv4Dotted() {
    assertThat(IpAddresses.formatIpv4(0xAC110002)).isEqualTo("172.17.0.2");
    assertThat(IpAddresses.formatIpv4(0xFFFFFFFF)).isEqualTo("255.255.255.255");
    assertThat(IpAddresses.format(false, 0, 0x7F000001L)).isEqualTo("127.0.0.1");
  }
}
