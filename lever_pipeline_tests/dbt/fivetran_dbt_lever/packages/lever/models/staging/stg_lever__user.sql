with base as (

    select * 
    from {{ ref('stg_lever__user_tmp') }}

),

fields as (

    select
        {{
            fivetran_utils.fill_staging_columns(
                source_columns=adapter.get_columns_in_relation(ref('stg_lever__user_tmp')),
                staging_columns=get_user_columns()
            )
        }}

        {{ fivetran_utils.source_relation(
            union_schema_variable='lever_union_schemas', 
            union_database_variable='lever_union_databases') 
        }}

    from base
),

final as (

    select
        source_relation, 
        cast(_fivetran_synced as {{ dbt.type_timestamp() }}) as _fivetran_synced,
        access_role,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(deactivated_at as {{ dbt.type_timestamp() }}) as deactivated_at,
        email, -- username is just taken from the email
        external_directory_id as external_directory_user_id,
        id as user_id,
        name as full_name
    from fields

    where not coalesce(_fivetran_deleted, false)
)

select * 
from final
