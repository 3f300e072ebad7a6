#!/usr/bin/python3
"""A WhatsNext client in Python, the way a worker in another language would be written.

It knows the API only from a descriptor set made by `buf build -o image.binpb`
(no generated Python code): it builds message classes from it, calls the
server over gRPC with grpcio, and prints one JSON document for the test to
check. Usage: python_client.py TARGET IMAGE NAME
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory


def message_classes(pool):
    """Returns a function from a full message name to its Python class, across protobuf versions."""
    if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
        return lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    factory = message_factory.MessageFactory(pool)  # protobuf 3.x and 4.21 (Debian 12)
    return lambda name: factory.GetPrototype(pool.FindMessageTypeByName(name))


def health_file():
    """grpc.health.v1 is not in the image (it is not our proto), so it is described here."""
    f = descriptor_pb2.FileDescriptorProto(name="grpc/health/v1/health.proto", package="grpc.health.v1", syntax="proto3")
    req = f.message_type.add(name="HealthCheckRequest")
    req.field.add(name="service", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    res = f.message_type.add(name="HealthCheckResponse")
    status = res.enum_type.add(name="ServingStatus")
    for i, n in enumerate(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]):
        status.value.add(name=n, number=i)
    res.field.add(name="status", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_ENUM, type_name=".grpc.health.v1.HealthCheckResponse.ServingStatus", label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    return f


def main():
    target, image_path, name = sys.argv[1], sys.argv[2], sys.argv[3]
    image = descriptor_pb2.FileDescriptorSet()
    with open(image_path, "rb") as fh:
        image.ParseFromString(fh.read())  # a buf image is wire-compatible with a FileDescriptorSet
    pool = descriptor_pool.DescriptorPool()
    for f in image.file:
        pool.Add(f)
    pool.Add(health_file())
    cls = message_classes(pool)

    def unary(channel, method, request_type, response_type):
        return channel.unary_unary(method, request_serializer=cls(request_type).SerializeToString, response_deserializer=cls(response_type).FromString)

    def as_json(msg):
        return json_format.MessageToDict(msg, preserving_proto_field_name=True)

    out = {"grpcio": grpc.__version__}
    with grpc.insecure_channel(target) as channel:
        create = unary(channel, "/whatsnext.v1.ProjectService/CreateProject", "whatsnext.v1.CreateProjectRequest", "whatsnext.v1.CreateProjectResponse")
        list_projects = unary(channel, "/whatsnext.v1.ProjectService/ListProjects", "whatsnext.v1.ListProjectsRequest", "whatsnext.v1.ListProjectsResponse")
        check = unary(channel, "/grpc.health.v1.Health/Check", "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse")
        watch = channel.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=cls("grpc.health.v1.HealthCheckRequest").SerializeToString, response_deserializer=cls("grpc.health.v1.HealthCheckResponse").FromString)

        created = create(cls("whatsnext.v1.CreateProjectRequest")(name=name, description="made from Python"), timeout=30)
        out["created"] = as_json(created)
        for i in range(3):
            create(cls("whatsnext.v1.CreateProjectRequest")(name=f"{name}-{i}"), timeout=30)

        # Page through every project two at a time, the way a client follows next_page_token.
        names, token, pages = [], "", 0
        while True:
            page = list_projects(cls("whatsnext.v1.ListProjectsRequest")(page_size=2, page_token=token), timeout=30)
            pages += 1
            names += [p.name for p in page.projects]
            token = page.next_page_token
            if not token:
                break
        out["listed"] = names
        out["pages"] = pages

        try:
            create(cls("whatsnext.v1.CreateProjectRequest")(name=name), timeout=30)
            out["duplicate"] = {"code": "OK"}
        except grpc.RpcError as err:
            out["duplicate"] = {"code": err.code().name, "details": err.details()}
        try:
            list_projects(cls("whatsnext.v1.ListProjectsRequest")(page_size=100000), timeout=30)
            out["huge_page"] = {"code": "OK"}
        except grpc.RpcError as err:
            out["huge_page"] = {"code": err.code().name, "details": err.details()}

        out["health"] = as_json(check(cls("grpc.health.v1.HealthCheckRequest")(), timeout=30))
        try:
            check(cls("grpc.health.v1.HealthCheckRequest")(service="no.such.Service"), timeout=30)
            out["health_unknown"] = {"code": "OK"}
        except grpc.RpcError as err:
            out["health_unknown"] = {"code": err.code().name}
        stream = watch(cls("grpc.health.v1.HealthCheckRequest")(service="whatsnext.v1.ProjectService"), timeout=30)
        out["watch_first"] = as_json(next(stream))
        stream.cancel()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
