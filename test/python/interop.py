#!/usr/bin/env python3
"""A stock Python gRPC client against fleetq: discovers the API by server reflection, checks
health, then calls the Scheduler with messages built from the reflected descriptors (no fleetq
code, no generated stubs). Prints a JSON summary; exits non-zero on the first failure.

usage: interop.py HOST:PORT
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

SERVICE = "fleetq.v1.Scheduler"


def fail(msg, summary):
    summary["error"] = msg
    print(json.dumps(summary))
    sys.exit(1)


def main():
    target = sys.argv[1]
    summary = {}
    channel = grpc.insecure_channel(target)
    grpc.channel_ready_future(channel).result(timeout=10)

    db = ProtoReflectionDescriptorDatabase(channel)
    services = list(db.get_services())
    summary["services"] = services
    if SERVICE not in services:
        fail(f"{SERVICE} not listed by reflection", summary)
    pool = descriptor_pool.DescriptorPool(db)
    svc = pool.FindServiceByName(SERVICE)
    summary["methods"] = sorted(m.name for m in svc.methods)

    health = health_pb2_grpc.HealthStub(channel)
    for name in ("", SERVICE):
        status = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status
        if status != health_pb2.HealthCheckResponse.SERVING:
            fail(f"health of '{name}' is {status}", summary)
    summary["health"] = "SERVING"

    def unary(method_name):
        m = svc.FindMethodByName(method_name)
        req_cls = GetMessageClass(m.input_type)
        res_cls = GetMessageClass(m.output_type)
        call = channel.unary_unary(f"/{SERVICE}/{method_name}", request_serializer=req_cls.SerializeToString,
                                   response_deserializer=res_cls.FromString)
        return req_cls, call

    submit_req, submit = unary("SubmitJob")
    req = submit_req()
    req.spec.script = "#!/bin/sh\nsleep 30\n"
    req.spec.workdir = "/tmp"
    req.spec.name = "from-python"
    req.spec.hold = True
    req.spec.user = "nobody"
    req.request_id = "python-interop-1"
    res = submit(req, timeout=10)
    again = submit(req, timeout=10)
    if again.job.id != res.job.id or not again.existing:
        fail("a retried request_id created a second job", summary)
    summary["submitted"] = res.job.id
    summary["state"] = res.job.state_letter

    get_req, get = unary("GetJob")
    job = get(get_req(id=res.job.id), timeout=10)
    summary["get_name"] = job.spec.name
    summary["get_state_enum"] = job.DESCRIPTOR.fields_by_name["state"].enum_type.values_by_number[job.state].name

    list_req, list_jobs = unary("ListJobs")
    listed = list_jobs(list_req(page_size=10), timeout=10)
    summary["listed"] = [j.id for j in listed.jobs]

    bad = submit_req()
    bad.spec.script = "true\n"
    bad.spec.workdir = "/tmp"
    bad.spec.resource_list = "select=banana"
    try:
        submit(bad, timeout=10)
        fail("select=banana was accepted", summary)
    except grpc.RpcError as e:
        summary["bad_code"] = e.code().name
        summary["bad_details"] = e.details()
        summary["bad_pbs_errno"] = dict(e.trailing_metadata() or ()).get("x-fleetq-pbs-errno")

    cancel_req, cancel = unary("CancelJob")
    cancel(cancel_req(id=res.job.id), timeout=10)
    summary["cancelled_state"] = get(get_req(id=res.job.id), timeout=10).state_letter
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
