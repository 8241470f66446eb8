-- Fivetran's REQUISITION: one row per synced requisition, with Fivetran's column names and
-- types (headcounts and compensation band as text, since Lever's `headcountTotal` may be
-- the string "unlimited"), plus one `custom_field_<field id>` column per requisition field
-- the account defines, as Fivetran adds them (see macros/requisition_custom_fields.sql).
{%- set custom_columns = requisition_custom_field_columns(ref('stg_lever__requisition_fields')) %}
select
    r.requisition_id as id,
    r.is_backfill as backfill,
    r.compensation_currency as compensation_band_currency,
    r.compensation_interval as compensation_band_interval,
    r.compensation_max::text as compensation_band_max,
    r.compensation_min::text as compensation_band_min,
    r.created_at,
    r.creator_id,
    r.employment_status,
    r.headcount_hired::text as headcount_hired,
    r.headcount_infinite::text as headcount_infinite,
    case when r.headcount_infinite then 'unlimited' else r.headcount_total::text end as headcount_total,
    r.hiring_manager_id,
    r.internal_notes,
    r.location,
    r.requisition_name as name,
    r.owner_id,
    r.requisition_code,
    r.status,
    r.team,
    r.closed_at,
    {%- for column in custom_columns %}
    {{ requisition_custom_field_value('r.custom_fields', column) }} as {{ adapter.quote(column.column) }},
    {%- endfor %}
    r.synced_at as _fivetran_synced,
    r.is_deleted as _fivetran_deleted
from {{ ref('stg_lever__requisitions') }} as r
