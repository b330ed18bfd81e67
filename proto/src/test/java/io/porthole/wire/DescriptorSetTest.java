package io.porthole.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import io.porthole.proto.Alert;
import io.porthole.proto.Rule;
import io.porthole.proto.Severity;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The published descriptor set ({@code porthole/v1/porthole-v1.desc}) is self-contained and decodes
 * a record as a reader without the generated classes would: by message name, through
 * DynamicMessage.
 */
class DescriptorSetTest {

  @Test
  void descriptorSetIsSelfContainedAndDecodesAnAlertByName() throws Exception {
    FileDescriptorSet set;
    try (InputStream in = getClass().getResourceAsStream("/porthole/v1/porthole-v1.desc")) {
      assertThat(in).as("porthole-v1.desc on the classpath").isNotNull();
      set = FileDescriptorSet.parseFrom(in);
    }
    assertThat(set.getFileList())
        .extracting(FileDescriptorProto::getName)
        .contains(
            "google/protobuf/timestamp.proto",
            "porthole/v1/events.proto",
            "porthole/v1/alerts.proto",
            "porthole/v1/commands.proto");

    Map<String, FileDescriptor> built = new HashMap<>();
    for (FileDescriptorProto file : set.getFileList()) { // protoc writes dependencies first
      List<FileDescriptor> deps = file.getDependencyList().stream().map(built::get).toList();
      built.put(
          file.getName(), FileDescriptor.buildFrom(file, deps.toArray(FileDescriptor[]::new)));
    }
    Descriptor alertType = built.get("porthole/v1/alerts.proto").findMessageTypeByName("Alert");

    Alert alert =
        Alert.newBuilder()
            .setAlertId("a-1")
            .setRule(Rule.OOM_KILLED)
            .setSeverity(Severity.HIGH)
            .setTitle("Container web-1 was killed by the OOM killer")
            .build();
    DynamicMessage decoded = DynamicMessage.parseFrom(alertType, alert.toByteArray());
    assertThat(decoded.getField(alertType.findFieldByName("title"))).isEqualTo(alert.getTitle());
    assertThat(decoded.getField(alertType.findFieldByName("rule")).toString())
        .isEqualTo("OOM_KILLED");
  }
}
